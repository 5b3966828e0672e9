"""The texts the engine writes itself, in the flow's language.

A flow says its language (`language` in the document); without one, the organization's
(`settings.language`); without that, English. Supported: `en`, `pt-BR`, `es` (a regional
variant falls back to its base: `es-MX` is `es`, `pt`/`pt-PT` is `pt-BR`). A flow replaces any of
them with `texts: {key: text}` in its document (the key names are `KEYS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("en", "pt-BR", "es")
DEFAULT_LANGUAGE = "en"

CATALOG: dict[str, dict[str, str]] = {
    "en": {
        "answer_required": "Please send an answer.",
        "answer_text": "Please send an answer.",
        "answer_number": "Please send a number.",
        "answer_email": "Please send a valid e-mail address.",
        "answer_phone": "Please send a valid phone number.",
        "answer_options": "Please choose one of the options.",
        "answer_date": "Please send a date like 31/12/2024.",
        "list_body": "Please choose an option.",
        "list_button": "Options",
        "inactivity_reminder": "Are you still there?",
        "transfer_message": "An agent will be with you shortly.",
        "rate_limit_notice": (
            "You are sending messages faster than we can answer them. "
            "Please wait a minute before sending more."
        ),
    },
    "pt-BR": {
        "answer_required": "Por favor, envie uma resposta.",
        "answer_text": "Por favor, envie uma resposta.",
        "answer_number": "Por favor, envie um número.",
        "answer_email": "Por favor, envie um e-mail válido.",
        "answer_phone": "Por favor, envie um telefone válido.",
        "answer_options": "Por favor, escolha uma das opções.",
        "answer_date": "Por favor, envie uma data como 31/12/2024.",
        "list_body": "Por favor, escolha uma opção.",
        "list_button": "Opções",
        "inactivity_reminder": "Você ainda está aí?",
        "transfer_message": "Um atendente vai falar com você em instantes.",
        "rate_limit_notice": (
            "Você está enviando mensagens mais rápido do que conseguimos responder. "
            "Aguarde um minuto antes de enviar mais."
        ),
    },
    "es": {
        "answer_required": "Por favor, envía una respuesta.",
        "answer_text": "Por favor, envía una respuesta.",
        "answer_number": "Por favor, envía un número.",
        "answer_email": "Por favor, envía un correo electrónico válido.",
        "answer_phone": "Por favor, envía un teléfono válido.",
        "answer_options": "Por favor, elige una de las opciones.",
        "answer_date": "Por favor, envía una fecha como 31/12/2024.",
        "list_body": "Por favor, elige una opción.",
        "list_button": "Opciones",
        "inactivity_reminder": "¿Sigues ahí?",
        "transfer_message": "Un agente te atenderá en breve.",
        "rate_limit_notice": (
            "Estás enviando mensajes más rápido de lo que podemos responder. "
            "Espera un minuto antes de enviar más."
        ),
    },
}
KEYS = frozenset(CATALOG[DEFAULT_LANGUAGE])


def language(value: Any) -> str | None:
    """The supported language `value` names (`pt`, `PT_br`, `es-MX`...), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().replace("_", "-").lower()
    for supported in LANGUAGES:
        if code == supported.lower():
            return supported
    base = code.split("-", 1)[0]
    return next((s for s in LANGUAGES if s.lower().split("-", 1)[0] == base), None)


def resolve(document_language: Any, organization_language: Any) -> str:
    return language(document_language) or language(organization_language) or DEFAULT_LANGUAGE


def text(key: str, lang: str, overrides: Mapping[str, Any] | None = None) -> str:
    """The text for `key`: the flow's own, else the catalog's in `lang`."""
    own = (overrides or {}).get(key)
    if isinstance(own, str) and own.strip():
        return own
    return CATALOG.get(lang, CATALOG[DEFAULT_LANGUAGE])[key]
