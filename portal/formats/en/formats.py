"""English pages write dates the way the SPEC and the exports do (ISO, 2024-06-10) rather
than Django's US default (06/10/2024); the other four languages keep Django's own formats
(10-06-2024, 10/06/2024, 10. 6. 2024, 10.6.2024.)."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
