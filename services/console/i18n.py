"""The console's words: Russian by default, English by the agent's choice."""

from __future__ import annotations

LANGUAGES = ("ru", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "ru": {
        "app": "Консоль SviftDesk",
        "sign_in": "Вход",
        "email": "Рабочий адрес",
        "send_link": "Прислать ссылку для входа",
        "link_sent": "Если адрес принадлежит сотруднику, на него отправлена ссылка для входа. "
        "Она действует несколько минут и только один раз.",
        "sign_in_button": "Войти",
        "sign_in_confirm": "Нажмите «Войти», чтобы открыть консоль.",
        "link_expired": "Срок действия ссылки истёк. Запросите новую.",
        "link_used": "Эта ссылка уже использована. Запросите новую.",
        "link_revoked": "Доступ этого сотрудника отозван.",
        "link_invalid": "Ссылка недействительна. Запросите новую.",
        "session_ended": "Сеанс завершён. Войдите снова.",
        "csrf": "Форма устарела: обновите страницу и повторите.",
        "sign_out": "Выйти",
        "language": "Язык",
        "apply": "Применить",
        "queue": "Очередь",
        "mine": "Мои",
        "take_next": "Взять следующий",
        "queue_empty": "Очередь пуста.",
        "number": "Номер",
        "subject": "Тема",
        "customer": "Клиент",
        "age": "Ожидает",
        "first_response": "До первого ответа",
        "paused": "на паузе",
        "breached": "просрочен",
        "met": "дан",
        "new_customer": "новый клиент",
        "status": "Статус",
        "timeline": "История",
        "reply": "Ответ клиенту",
        "send_reply": "Отправить ответ",
        "note": "Внутренняя заметка",
        "add_note": "Добавить заметку",
        "move": "Перевести в статус",
        "move_note": "Сообщение клиенту (при решении — итог)",
        "partner_name": "Партнёр",
        "partner_reference": "Номер обращения у партнёра",
        "move_button": "Перевести",
        "complexity": "Сложность",
        "save": "Сохранить",
        "resolution": "До решения",
        "internal": "заметка",
        "agent": "сотрудник",
        "no_tickets": "Нет обращений.",
        "not_found": "Обращение не найдено.",
        "unavailable": "Сервис временно недоступен. Повторите через минуту.",
        "h": "ч",
        "min": "мин",
    },
    "en": {
        "app": "SviftDesk console",
        "sign_in": "Sign in",
        "email": "Work address",
        "send_link": "Send me a sign-in link",
        "link_sent": "If the address is a staff member's, a sign-in link is on its way. "
        "It works for a few minutes, once.",
        "sign_in_button": "Sign in",
        "sign_in_confirm": "Press “Sign in” to open the console.",
        "link_expired": "This link has expired. Ask for a new one.",
        "link_used": "This link was used already. Ask for a new one.",
        "link_revoked": "This staff member's access was revoked.",
        "link_invalid": "This link is not valid. Ask for a new one.",
        "session_ended": "Your session has ended. Sign in again.",
        "csrf": "This form is out of date: reload the page and try again.",
        "sign_out": "Sign out",
        "language": "Language",
        "apply": "Apply",
        "queue": "Queue",
        "mine": "Mine",
        "take_next": "Take next",
        "queue_empty": "The queue is empty.",
        "number": "Number",
        "subject": "Subject",
        "customer": "Customer",
        "age": "Waiting",
        "first_response": "First response due in",
        "paused": "paused",
        "breached": "breached",
        "met": "given",
        "new_customer": "new customer",
        "status": "Status",
        "timeline": "Timeline",
        "reply": "Reply to the customer",
        "send_reply": "Send reply",
        "note": "Internal note",
        "add_note": "Add note",
        "move": "Move to",
        "move_note": "Message to the customer (the summary when resolving)",
        "partner_name": "Partner",
        "partner_reference": "The partner's case number",
        "move_button": "Move",
        "complexity": "Complexity",
        "save": "Save",
        "resolution": "Resolution due in",
        "internal": "note",
        "agent": "staff",
        "no_tickets": "No tickets.",
        "not_found": "No such ticket.",
        "unavailable": "A service is unavailable. Try again in a minute.",
        "h": "h",
        "min": "min",
    },
}


def words(language: str) -> dict[str, str]:
    return MESSAGES.get(language, MESSAGES["ru"])


def duration(minutes: float, language: str) -> str:
    """Minutes as people read them: 26 h 10 min, 7 min. Never days: a business day is 9
    hours and a wall day 24, and the reader cannot tell which is meant."""
    w, total = words(language), max(int(minutes), 0)
    hours, mins = divmod(total, 60)
    if hours:
        return f"{hours} {w['h']} {mins} {w['min']}"
    return f"{mins} {w['min']}"


STATUSES: dict[str, dict[str, str]] = {
    "ru": {
        "received": "получено",
        "open": "открыто",
        "in_progress": "в работе",
        "waiting_customer": "ждёт клиента",
        "waiting_partner": "ждёт партнёра",
        "in_development": "в разработке",
        "resolved": "решено",
        "closed": "закрыто",
        "simple": "простое",
        "standard": "обычное",
        "complex": "сложное",
    },
    "en": {
        "received": "received",
        "open": "open",
        "in_progress": "in progress",
        "waiting_customer": "waiting on the customer",
        "waiting_partner": "waiting on a partner",
        "in_development": "in development",
        "resolved": "resolved",
        "closed": "closed",
        "simple": "simple",
        "standard": "standard",
        "complex": "complex",
    },
}


def label(value: str, language: str) -> str:
    """A status or complexity as the agent reads it."""
    return STATUSES.get(language, STATUSES["ru"]).get(value, value.replace("_", " "))
