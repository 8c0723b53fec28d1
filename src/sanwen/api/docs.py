"""The API documentation page, served from our own static files (no CDN: the bureau's network may
have no internet) and with no inline script (the staff pages' Content-Security-Policy)."""

from django.shortcuts import render
from ninja.openapi.docs import DocsBase


class StaticSwagger(DocsBase):
    template = "api/docs.html"

    def render_page(self, request, api, **kwargs):
        context = {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, context)
