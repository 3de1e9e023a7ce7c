"""Gets an access token from examples/connector the way a person and a client would: the
login form, the consent form, the code exchange. Prints the token.

    python3 benches/oauth_token.py BASE_URL CLIENT_ID USERNAME PASSWORD
"""

import base64
import hashlib
import html
import http.cookiejar
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

base, client_id, username, password = sys.argv[1:5]
redirect_uri = "http://127.0.0.1:9/callback"


class Stay(urllib.request.HTTPRedirectHandler):
    """Redirects are read, not followed: the last one goes to the client."""

    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), Stay)


def request(method, path, form=None):
    data = urllib.parse.urlencode(form).encode() if form else None
    headers = {"content-type": "application/x-www-form-urlencoded"} if form else {}
    try:
        response = opener.open(urllib.request.Request(base + path, data=data, method=method, headers=headers))
    except urllib.error.HTTPError as error:
        response = error
    return response.headers.get("location"), response.read().decode()


def field(page, name):
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


verifier = base64.urlsafe_b64encode(os.urandom(40)).rstrip(b"=").decode()
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
query = urllib.parse.urlencode({
    "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
    "code_challenge": challenge, "code_challenge_method": "S256", "state": "bench", "scope": "mcp",
})
login, _ = request("GET", "/oauth/authorize?" + query)
_, page = request("GET", login)
back, _ = request("POST", "/oauth/login", {
    "username": username, "password": password, "next": field(page, "next"), "csrf_token": field(page, "csrf_token"),
})
_, consent = request("GET", back)
to_client, _ = request("POST", "/oauth/authorize", {
    "request_id": field(consent, "request_id"), "csrf_token": field(consent, "csrf_token"), "decision": "allow",
})
code = urllib.parse.parse_qs(urllib.parse.urlparse(to_client).query)["code"][0]
_, tokens = request("POST", "/oauth/token", {
    "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
    "code_verifier": verifier, "client_id": client_id,
})
print(json.loads(tokens)["access_token"])
