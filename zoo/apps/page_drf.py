"""Pagination target: Django 5.2 + Django REST framework (unmodified), one paginator per process.

A ModelViewSet over a sqlite model `Item` (id, name, created), seeded with 57 items at start
(a fresh database file per process under zoo/.run/), routed by DRF's DefaultRouter:
  GET /items/  list   POST /items/ {"name": ...} create (201)   GET|DELETE /items/<id>/
Paginator from $ZOO_PAGINATOR (settings as the DRF docs show them):
  page   -> PageNumberPagination, page_size 10, page_size_query_param "page_size",
            max_page_size 50; params page (first page 1) & page_size;
            body {"count", "next", "previous", "results"}
  offset -> LimitOffsetPagination, default_limit 10, max_limit 50; params limit & offset;
            body {"count", "next", "previous", "results"}
  cursor -> CursorPagination, ordering "id", page_size 10, page_size_query_param "page_size",
            max_page_size 50; param cursor (opaque base64); body {"next", "previous", "results"}
DEBUG = False (production error pages). Served by Django's runserver (threaded, no reloader) on
127.0.0.1.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import HOST, port  # noqa: E402

import django  # noqa: E402
from django.conf import settings  # noqa: E402

KIND = os.environ.get("ZOO_PAGINATOR", "page")
DB = os.environ.get("ZOO_DB", os.path.join(HERE, "..", ".run", f"drf-{KIND}.sqlite3"))

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    SECRET_KEY="zoo-not-secret",
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "drfzoo"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DB}},
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
        "UNAUTHENTICATED_USER": None,
    },
    USE_TZ=True,
    TIME_ZONE="UTC",
)
django.setup()

from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework import pagination, routers, serializers, viewsets  # noqa: E402

from drfzoo.models import Item  # noqa: E402


class PagePaginator(pagination.PageNumberPagination):
    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 50


class OffsetPaginator(pagination.LimitOffsetPagination):
    default_limit = 10
    max_limit = 50


class CursorPaginator(pagination.CursorPagination):
    ordering = "id"
    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 50


PAGINATORS = {"page": PagePaginator, "offset": OffsetPaginator, "cursor": CursorPaginator}


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "name", "created"]


class ItemViewSet(viewsets.ModelViewSet):
    queryset = Item.objects.all().order_by("id")
    serializer_class = ItemSerializer
    pagination_class = PAGINATORS[KIND]


router = routers.DefaultRouter()
router.register("items", ItemViewSet)


def health(_request):
    return JsonResponse({"ok": True})


urlpatterns = [path("health", health), path("", include(router.urls))]


def seed(n=57):
    if os.path.exists(DB):
        os.remove(DB)
    with connection.schema_editor() as editor:
        editor.create_model(Item)
    Item.objects.bulk_create([Item(name=f"item-{i:02d}") for i in range(1, n + 1)])


if __name__ == "__main__":
    seed()
    from django.core.management import call_command

    call_command("runserver", f"{HOST}:{port()}", use_reloader=False, use_threading=True)
