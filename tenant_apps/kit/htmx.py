def is_htmx(request, *, target: str | None = None) -> bool:
    """Whether htmx sent ``request`` (to swap the element ``target``, when one is named)."""
    if request.headers.get("HX-Request") != "true":
        return False
    return target is None or request.headers.get("HX-Target") == target
