from django.contrib import admin

from cases.models import Anatomy, Case, DiagnosticCategory, Modality

admin.site.register([Anatomy, DiagnosticCategory, Modality, Case])
