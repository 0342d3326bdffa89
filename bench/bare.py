"""The yardstick: a bare Flask endpoint that reads a form POST and answers empty TwiML."""

from flask import Flask, Response, request

app = Flask(__name__)

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@app.post("/sms/inbound")
def inbound():
    if not request.form.get("MessageSid"):
        return Response("MessageSid is required.\n", status=400, mimetype="text/plain")
    return Response(EMPTY, mimetype="application/xml")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
