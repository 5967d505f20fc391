"""The production-database side of the contract: tables and their primary keys.

Extraction (``sehat.ingest.production``) walks this mapping; the generator
creates exactly these tables. Columns are documented in docs/design.md.
"""

from __future__ import annotations

TABLES: dict[str, str] = {
    "users": "user_id",
    "doctors": "doctor_id",
    "consultations": "consultation_id",
    "chat_messages": "message_id",
    "prescriptions": "prescription_id",
    "medicines": "medicine_id",
    "products": "product_id",
    "orders": "order_id",
    "order_items": "order_item_id",
    "lab_tests": "lab_test_id",
    "lab_bookings": "booking_id",
    "appointments": "appointment_id",
    "ratings": "rating_id",
}

WATERMARK_COLUMN = "updated_at"
