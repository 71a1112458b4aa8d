"""The staff admin at /admin: sqladmin views over the listings, plus the pages particular to
this programme (spreadsheet import with a preview, venue export, listings not checked for six
months, the audit log, champion flyers and QR codes)."""
