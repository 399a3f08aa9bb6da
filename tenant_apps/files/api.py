"""The API's shape of a file's preview, for the features that serve files."""

from rest_framework import serializers


class PreviewOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        ["pending", "pages", "text", "none"],
        help_text="`pending`: being made; `pages`: page images at `pages`; `text`: the page "
        "shows the file's text; `none`: no preview, download the file instead.",
    )
    pages = serializers.ListField(
        child=serializers.URLField(),
        source="page_urls",
        help_text="PNG images of the first pages (at most 10), with the download's access.",
    )
    page_count = serializers.IntegerField(
        help_text="Pages in the file (PDF); more than `pages` holds when it is long."
    )
