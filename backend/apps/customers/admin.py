from django.contrib import admin

from apps.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["public_id", "name", "email", "phone", "created_at"]
    search_fields = ["public_id", "name", "email", "phone"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    raw_id_fields = ["user"]
