"""SQL statements per request to the bench view on a warm connection, in process.

Run by run.py under one of the bench settings modules:
``python -m bench.queries HOST [HOST ...]``. Prints JSON: the mean statements per
request for the first host alone and, given two hosts, alternating between them,
plus the SQL of one warm single-host request.
"""
# ruff: noqa: E402  (Django must be set up before the test client is imported)

import json
import sys

import django

django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

REQUESTS = 20


def statements(client, hosts):
    """Mean statements per request over REQUESTS requests cycling through ``hosts``."""
    for host in hosts:  # warm-up: connection open, host cache filled
        _get(client, host)
    with CaptureQueriesContext(connection) as captured:
        for number in range(REQUESTS):
            _get(client, hosts[number % len(hosts)])
    return len(captured) / REQUESTS


def one_request_sql(client, host):
    _get(client, host)
    with CaptureQueriesContext(connection) as captured:
        _get(client, host)
    return [query["sql"] for query in captured]


def _get(client, host):
    response = client.get("/activity/", HTTP_HOST=host)
    if response.status_code != 200:
        raise SystemExit(f"GET /activity/ on {host} answered {response.status_code}")


def main():
    hosts = sys.argv[1:]
    client = Client()
    result = {"single": statements(client, hosts[:1]), "sql": one_request_sql(client, hosts[0])}
    if len(hosts) > 1:
        result["alternating"] = statements(client, hosts)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
