def is_htmx(request, *, target: str | None = None) -> bool:
    """Whether htmx sent ``request`` (to swap the element ``target``, when one is named)."""
    if request.headers.get("HX-Request") != "true":
        return False
    return target is None or request.headers.get("HX-Target") == target


def list_template(request, template: str, *, results: str) -> str:
    """A list page's ``template``, or only its ``results`` partial when htmx asks to swap the
    element with id ``results`` (see templates/includes/filtered_list.html)."""
    return f"{template}#results" if is_htmx(request, target=results) else template
