import json
import os
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body, kind="text/plain; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/health":
            self.reply(200, "ok\n")
        elif url.path == "/":
            self.reply(200, f"{os.environ['GREETING']} from {os.getcwd()}\n")
        elif url.path == "/time":
            from zoneinfo import ZoneInfo
            zone = ZoneInfo(query.get("tz", ["UTC"])[0])
            self.reply(200, datetime.fromtimestamp(0, timezone.utc).astimezone(zone).isoformat() + "\n")
        elif url.path == "/json":
            self.reply(200, json.dumps({"items": sorted(query.get("i", []))}) + "\n", "application/json")
        else:
            self.reply(404, "not found\n")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("", int(os.environ["PORT"])), Handler).serve_forever()
