"""The platform host's webhooks, which the API schema leaves out (they are not ours to design:
Stripe and the email provider post what they post), described for schemathesis as we read
them: Stripe events (billing and Connect), and anymail's Postmark tracking and inbound posts.

The callers are authenticated (Stripe's signature over the body; HTTP basic auth for the email
provider), so the fuzzer signs each body as they would: what is fuzzed is what an authentic
sender could post. Values that reach real rows (an agency's id or schema, a real reply address)
are offered beside generated ones.
"""

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
STRIPE_EVENT_TYPES = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
    "account.updated",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "payment_intent.succeeded",
    "payment_intent.processing",
    "payment_intent.payment_failed",
    "charge.refunded",
    "customer.created",
]
# anymail answers 200 with an empty body, and refuses a bad signature or payload with 400.
ANYMAIL_RESPONSES = {
    "200": {"description": "Received.", "content": {"text/html": {"schema": {"type": "string"}}}},
    "400": {
        "description": "Refused: not authentic or not readable.",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
}


def _text(*known):
    return {"anyOf": [{"type": "string"}, {"enum": list(known)}]} if known else {"type": "string"}


def webhooks_schema(*, agency_ids, schema_names, reply_addresses, senders) -> dict:
    stripe_object = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "object": {"type": "string"},
            "customer": _text(),
            "subscription": _text(),
            "client_reference_id": {"anyOf": [{"type": "string"}, {"enum": agency_ids}]},
            "metadata": {
                "type": "object",
                "properties": {"agency_id": {"anyOf": [{"type": "string"}, {"enum": agency_ids}]}},
            },
            "status": {"type": "string"},
            "payment_intent": {"type": "string"},
            "amount_total": {"type": "integer"},
            "currency": {"type": "string"},
        },
    }
    stripe_event = {
        "type": "object",
        "required": ["id", "object", "type", "data"],
        "properties": {
            "id": {"type": "string", "pattern": "^evt_[A-Za-z0-9]{4,24}$"},
            "object": {"enum": ["event"]},
            "type": {"anyOf": [{"enum": STRIPE_EVENT_TYPES}, {"type": "string"}]},
            "account": {"type": "string"},
            "created": {"type": "integer"},
            "livemode": {"type": "boolean"},
            "data": {
                "type": "object",
                "required": ["object"],
                "properties": {"object": stripe_object},
            },
        },
    }
    tracking_event = {
        "type": "object",
        "properties": {
            "RecordType": {
                "enum": [
                    "Bounce",
                    "SpamComplaint",
                    "Delivery",
                    "Open",
                    "Click",
                    "SubscriptionChange",
                ]
            },
            "ID": {"type": "integer"},
            "Type": {"type": "string"},
            "MessageID": {"type": "string"},
            "Email": {"type": "string"},
            "Recipient": {"type": "string"},
            "Description": {"type": "string"},
            "Details": {"type": "string"},
            "BouncedAt": {"type": "string", "format": "date-time"},
            "Metadata": {
                "type": "object",
                "properties": {"agency": _text(*schema_names)},
            },
        },
    }
    address = {
        "type": "object",
        "properties": {"Email": _text(*reply_addresses, *senders), "Name": {"type": "string"}},
    }
    inbound_email = {
        "type": "object",
        "properties": {
            "FromFull": {
                "type": "object",
                "properties": {"Email": _text(*senders), "Name": {"type": "string"}},
            },
            "ToFull": {"type": "array", "items": address, "maxItems": 3},
            "OriginalRecipient": _text(*reply_addresses),
            "Subject": {"type": "string"},
            "MessageID": {"type": "string"},
            "Date": {"type": "string"},
            "TextBody": {"type": "string"},
            "HtmlBody": {"type": "string"},
            "StrippedTextReply": {"type": "string"},
            "Headers": {
                "type": "array",
                "maxItems": 4,
                "items": {
                    "type": "object",
                    "properties": {"Name": {"type": "string"}, "Value": {"type": "string"}},
                },
            },
            "Attachments": {
                "type": "array",
                "maxItems": 2,
                "items": {
                    "type": "object",
                    "properties": {
                        "Name": {"type": "string"},
                        "Content": {"type": "string", "format": "byte"},
                        "ContentType": {"type": "string"},
                        "ContentLength": {"type": "integer"},
                    },
                },
            },
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Platform webhooks, as their senders post", "version": "1"},
        "paths": {
            "/billing/stripe-webhook": {
                "post": {
                    "operationId": "stripe_webhook",
                    "parameters": [],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": stripe_event}},
                    },
                    "responses": {
                        "200": {
                            "description": "Applied once, or known.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["received", "outcome"],
                                        "properties": {
                                            "received": {"enum": [True]},
                                            "outcome": {
                                                "enum": ["handled", "duplicate", "ignored"]
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": {
                            "description": "Not a Stripe event.",
                            "content": {"application/json": {"schema": ERROR}},
                        },
                        "503": {
                            "description": "Stripe could not be reached; it will send it again.",
                            "content": {"application/json": {"schema": ERROR}},
                        },
                    },
                }
            },
            "/email-events/": {
                "post": {
                    "operationId": "email_events",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": tracking_event}},
                    },
                    "responses": ANYMAIL_RESPONSES,
                }
            },
            "/inbound-email/": {
                "post": {
                    "operationId": "inbound_email",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": inbound_email}},
                    },
                    "responses": ANYMAIL_RESPONSES,
                }
            },
        },
    }
