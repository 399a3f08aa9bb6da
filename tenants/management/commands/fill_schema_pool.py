from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from tenants.actions import schema_pool_fill


class Command(BaseCommand):
    help = "Migrate spare agency schemas until the pool holds SCHEMA_POOL_SIZE of them."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=settings.SCHEMA_POOL_SIZE)

    def handle(self, *args, size, **options):
        created = schema_pool_fill(size=size)
        spares = ngettext("%d spare schema", "%d spare schemas", created) % created
        self.stdout.write(f"Schema pool: {spares} created, target {size}.")
