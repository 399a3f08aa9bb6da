from celery import shared_task


@shared_task(ignore_result=True)
def request_notify(kind: str, request_id: int, event_id: int | None) -> None:
    """Email the people a request change concerns (built by the notifications work)."""
