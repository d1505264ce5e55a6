"""E-mail templates of a company: their write side (core.entities.EntityKind)."""

from core.entities import EntityKind
from core.models import EmailTemplate

EMAIL_TEMPLATES = EntityKind(EmailTemplate, write="email_templates.write")
