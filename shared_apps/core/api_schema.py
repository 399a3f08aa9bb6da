from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ApiError(serializers.Serializer):
    """Every refusal but a refused input (shared_apps.core.api_errors)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    request_id = serializers.CharField(
        required=False, help_text="Quote it to support; also in the X-Request-ID header."
    )


# A refused input: the fields' messages, nested for objects and lists; or an ApiError when the
# request could not be read at all (malformed JSON, text PostgreSQL cannot store in a header).
FIELD_ERRORS = ResolvedComponent(
    name="FieldErrors",
    type=ResolvedComponent.SCHEMA,
    object="FieldErrors",
    schema={
        "type": "object",
        "description": 'A refused input: `{"field": ["message"]}`, nested for objects and lists.',
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "object"},
            ]
        },
    },
)


class NestedSerializerAutoSchema(AutoSchema):
    """Names nested serializers after their view: ``MeApi.Output`` becomes ``MeApiOutput``.

    Every API view declares its own ``Input``/``Output`` classes, so their
    bare names collide in the OpenAPI components.

    Each operation also lists the errors any of them may answer, in their one shape: 400 (a
    refused input, or a request that could not be read), 401 (a missing, expired or foreign
    token), 403 (not this person's to do) unless anyone may, 404 (no such item, or not one this
    person may see) where the path names one, 415 (a body of a type it does not read), 503
    with Retry-After (the database is restarting, or the agency is moving: shared_apps.core.
    outages) and, where a file comes in, 507 (no room to store it now).
    """

    def get_serializer_name(self, serializer, direction):
        qualname = serializer.__class__.__qualname__
        return (
            qualname.replace(".", "")
            if "." in qualname
            else super().get_serializer_name(serializer, direction)
        )

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = self.resolve_serializer(ApiError(), "response").ref
        self.registry.register_on_missing(FIELD_ERRORS)
        codes = {"400": {"anyOf": [FIELD_ERRORS.ref, error]}, "401": error}
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes["403"] = error
        if "{" in self.path:
            codes["404"] = error
        body_types = operation.get("requestBody", {}).get("content", {})
        if body_types:
            codes["415"] = error
        if FILE_TYPES & body_types.keys():
            codes["507"] = error
        codes["503"] = error
        for code in codes:
            operation["responses"].setdefault(code, {"description": ""})
        for code, response in operation["responses"].items():
            if code >= "400" and "content" not in response:
                body = codes.get(code, error)
                response["content"] = {"application/json": {"schema": body}}
                response["description"] = response["description"] or ERROR_WORDS.get(code, "")
        operation["responses"]["503"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
        return operation


ERROR_WORDS = {
    "400": "A refused input, naming its fields.",
    "401": "No valid token or session.",
    "403": "Not this person's to do.",
    "404": "No such item, or not one this person may see.",
    "415": "A body of a type this operation does not read.",
    "503": "Briefly unavailable (the database is restarting, or the agency is moving).",
    "507": "No room to store files right now; the same request will work later.",
}
FILE_TYPES = {"multipart/form-data", "application/octet-stream"}
RETRY_AFTER = {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}
