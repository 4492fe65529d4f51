"""The dashboard's pages, one module per page (sign-in and language forms in ``auth``)."""
