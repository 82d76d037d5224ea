"""The page cache's middleware: anonymous visitors' pages stored and
answered from the cache (core.page_cache), one cache entry a page whatever is
appended to its address, and at most two copies of it (gzipped or not)."""

from hashlib import md5

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils.cache import _i18n_cache_key_suffix
from django.utils.http import split_directive_names, urlencode


class CompressedPagesMiddleware(GZipMiddleware):
    """Django's gzip, BREACH mitigation included, for pages (WhiteNoise sends
    static files compressed ahead of time). The page cache keeps one copy of a
    page per Accept-Encoding value; the header is reduced here to "gzip" or
    nothing, so a page has two copies at most, whatever browsers send."""

    def process_request(self, request):
        if "HTTP_ACCEPT_ENCODING" in request.META:
            if re_accepts_gzip.search(request.META["HTTP_ACCEPT_ENCODING"]):
                request.META["HTTP_ACCEPT_ENCODING"] = "gzip"
            else:
                del request.META["HTTP_ACCEPT_ENCODING"]


def reads_query(*names):
    """Marks a view (in a URLconf) as reading these query parameters: any other
    is redirected away by UnreadParametersMiddleware."""

    def mark(view):
        view.query_parameters = frozenset(names)
        return view

    return mark


class UnreadParametersMiddleware:
    """Before the page cache: a visitor's GET whose query string holds a
    parameter its view does not read (see ``reads_query``) is redirected
    (301) to the address without it. Each page then has one cache entry,
    whatever is appended to its address ("?utm_source=…", a fuzzer's noise).
    The admin reads its own parameters and is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.GET and request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            if "admin" not in match.app_names:
                read = getattr(match.func, "query_parameters", frozenset())
                kept = [(name, value) for name, values in request.GET.lists() if name in read for value in values]
                if len(kept) < len(request.GET):
                    return HttpResponsePermanentRedirect(
                        request.path + (f"?{urlencode(kept)}" if kept else ""))
        return self.get_response(request)


class UpdatePublicCacheMiddleware(UpdateCacheMiddleware):
    """First in MIDDLEWARE: stores anonymous visitors' pages for
    CACHE_MIDDLEWARE_SECONDS. Browsers, though, are told to check back each
    time (no-cache), which the ETag makes a cheap 304: a change is seen on the
    next request there too."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        directives = set(split_directive_names(response.get("Cache-Control", "")))
        if hasattr(request, "_cache_update_cache") and not directives & {"private", "no-store"}:
            response.headers["Cache-Control"] = "no-cache"
            response.headers.pop("Expires", None)
        if request.method == "HEAD" and not response.streaming and response.content:
            # A page from the cache still holds its body; a HEAD answer has none.
            length = len(response.content)
            response.content = b""
            response.headers["Content-Length"] = str(length)
        return response


class FetchPublicCacheMiddleware(FetchFromCacheMiddleware):
    """Right after WhiteNoise: answers anonymous visitors from the cache before
    any session, CSRF or authentication work. A request with a session cookie
    (signed-in staff, who may preview drafts) is never served from the cache
    nor stored in it."""

    def process_request(self, request):
        if (
            not settings.CACHE_MIDDLEWARE_SECONDS
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            request._cache_update_cache = False
            return None
        # Django's lookup (get_cache_key(), then the page under the key
        # learn_cache_key() gave it), with the address hashed once rather than
        # once a key, and without the Age header: browsers are told no-cache.
        address = md5(request.build_absolute_uri().encode("ascii"), usedforsecurity=False).hexdigest()
        suffix = _i18n_cache_key_suffix(request, "")
        headers = self.cache.get(f"views.decorators.cache.cache_header.{self.key_prefix}.{address}{suffix}")
        response = None
        if headers is not None:
            varied = md5(usedforsecurity=False)
            for header in headers:
                value = request.META.get(header)
                if value is None:
                    varied.update(b"-,")
                else:
                    data = value.encode()
                    varied.update(b"%d:%s," % (len(data), data))
            for method in ("GET", "HEAD") if request.method == "HEAD" else ("GET",):
                response = self.cache.get(
                    f"views.decorators.cache.cache_page.{self.key_prefix}.{method}.{address}.{varied.hexdigest()}{suffix}")
                if response is not None:
                    break
        request._cache_update_cache = response is None
        return response
