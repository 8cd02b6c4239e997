#!/usr/bin/env python3
"""Test-only Bearer token server for distribution's `auth: token` (loopback only).

usage: token_server.py KEY_PEM CERT_PEM ISSUER

Listens on 127.0.0.1 on a free port and prints that port on the first line of
stdout. GET /token?service=..&scope=repository:NAME:ACTIONS issues an RS256 JWT
whose x5c header carries CERT_PEM (the registry trusts it as rootcertbundle):

* anonymous: "pull" on repositories under public/, nothing elsewhere;
* Basic testuser:testpass: every action asked for;
* other Basic credentials: 401.

POST /token with grant_type=refresh_token and refresh_token=dfix-refresh-token
(the OAuth2 flow used with docker "identitytoken"s) acts as testuser.
Signing is done by the openssl CLI so no Python package is needed.
"""
import base64
import json
import subprocess
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

KEY, CERT, ISSUER = sys.argv[1], sys.argv[2], sys.argv[3]
USER, PASSWORD, REFRESH = "testuser", "testpass", "dfix-refresh-token"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der_b64() -> str:
    pem = open(CERT).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return "".join(body.split())


def jwt(claims: dict) -> str:
    header = {"alg": "RS256", "typ": "JWT", "x5c": [cert_der_b64()]}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY],
                         input=signing_input.encode(), capture_output=True, check=True).stdout
    return signing_input + "." + b64url(sig)


def grant(user, scopes):
    access = []
    for scope in scopes:
        for item in scope.split(" "):
            parts = item.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            name, actions = ":".join(parts[1:-1]), parts[-1].split(",")
            if user is None:
                actions = [a for a in actions if a == "pull"] if name.startswith("public/") else []
            access.append({"type": "repository", "name": name, "actions": actions})
    return access


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("token-server: " + (fmt % args) + "\n")

    def reply(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def issue(self, user, service, scopes):
        now = int(time.time())
        token = jwt({"iss": ISSUER, "sub": user or "", "aud": service, "iat": now,
                     "nbf": now - 10, "exp": now + 300, "jti": uuid.uuid4().hex,
                     "access": grant(user, scopes)})
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300})

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/token":
            return self.reply(404)
        query = parse_qs(url.query)
        user = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                given = base64.b64decode(auth[6:]).decode()
            except Exception:
                return self.reply(400)
            if given != USER + ":" + PASSWORD:
                return self.reply(401, {"details": "bad credentials"})
            user = USER
        self.issue(user, query.get("service", [""])[0], query.get("scope", []))

    def do_POST(self):
        if urlparse(self.path).path != "/token":
            return self.reply(404)
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        if form.get("grant_type") != ["refresh_token"] or form.get("refresh_token") != [REFRESH]:
            return self.reply(401, {"details": "bad refresh token"})
        self.issue(USER, form.get("service", [""])[0], form.get("scope", []))


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
