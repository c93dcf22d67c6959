"""genjudge as a service: one process serving the HTTP API, the dashboard and the rating page.

``create_app`` (:mod:`genjudge.service.app`) builds the FastAPI application; the pages (dashboard,
rating page, login) are :func:`genjudge.service.pages.pages_router`. FastAPI, uvicorn and
python-multipart are the ``service`` extra: they are imported only here.
"""
