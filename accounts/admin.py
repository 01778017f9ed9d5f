from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets[:1],
        ("Personal info", {"fields": ("display_name", "first_name", "last_name", "email")}),
        *BaseUserAdmin.fieldsets[2:],
    )
    list_display = ("username", "display_name", "email", "is_staff")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
