"""The product's URLs and two views the page benchmark measures every page against, in the same run:

- /bench/bare/: a bare Django logged-in view (login_required, a plain response): what any Django
  application pays for a logged-in request through our middleware;
- /bench/floor/: a trivial logged-in page of our own: the base template with its navigation, the bell
  and the context processors every page renders, and nothing else."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from sanwen.urls import urlpatterns as product


@login_required
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def floor(request):
    return render(request, "base.html", {})


urlpatterns = [path("bench/bare/", bare), path("bench/floor/", floor), *product]
handler400 = "sanwen.desk.views.bad_request"
