from drf_spectacular.openapi import AutoSchema


class NestedSerializerAutoSchema(AutoSchema):
    """Names nested serializers after their view: ``MeApi.Output`` becomes ``MeApiOutput``.

    Every API view declares its own ``Input``/``Output`` classes, so their
    bare names collide in the OpenAPI components.
    """

    def get_serializer_name(self, serializer, direction):
        qualname = serializer.__class__.__qualname__
        return (
            qualname.replace(".", "")
            if "." in qualname
            else super().get_serializer_name(serializer, direction)
        )
