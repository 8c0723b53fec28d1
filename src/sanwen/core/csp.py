"""Content-Security-Policy for every page that does not set its own (the portal sets the same one).

Staff pages load scripts, styles, fonts and images from this site only, run no inline script and
carry no inline style (their behaviour is in static/sanwen/*.js, their styling in app.css), post
forms and htmx requests to this site only, and cannot be framed. The web app manifest and the field
pages' service worker (/field/sw.js) come from this site too. Django's admin works under the
same policy (Django 5.2 keeps its scripts in files); the browser test walks it to keep it so.
"""

STAFF_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = STAFF_CSP
        return response
