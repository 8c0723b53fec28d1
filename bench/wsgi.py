"""gunicorn bench.wsgi: the product with the page benchmark's two measuring views."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
application = get_wsgi_application()
