"""A small aiosmtpd server for SMTPTests.swift (run by the tests, not by SwiftPM).

Listens on 127.0.0.1 on a free port, writes the port to --port-file once it accepts connections, and appends each
received message to --out as one JSON line: mail_from, rcpt_tos, subject, from, to, date, message_id,
mime_version, content_type, text, html (line endings as \n), auth ({mechanism, login, password} or null), tls,
max_line (longest raw line in bytes). Stops on SIGTERM.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, out, reject):
        self.out = out
        self.reject = set(reject)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = html = None
        for part in msg.walk():
            if part.get_content_type() == "text/plain" and text is None:
                text = part.get_content()
            elif part.get_content_type() == "text/html" and html is None:
                html = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "date": str(msg["date"]),
            "message_id": str(msg["message-id"]),
            "mime_version": str(msg["mime-version"]),
            "content_type": msg.get_content_type(),
            "text": text.replace("\r\n", "\n") if text is not None else None,
            "html": html.replace("\r\n", "\n") if html is not None else None,
            "auth": session.auth_data if session.authenticated else None,
            "tls": session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
            "max_line": max(len(line) for line in raw.split(b"\r\n")),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 2.0.0 Message accepted"


def main():
    # A child of a Swift test inherits the spawning thread's blocked signals: let SIGTERM through again.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parent = os.getppid()
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--mode", choices=["none", "starttls", "tls"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--only-login", action="store_true", help="offer AUTH LOGIN but not PLAIN")
    p.add_argument("--reject", action="append", default=[], help="recipient to refuse with 550")
    args = p.parse_args()

    context = None
    if args.mode != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user
                and auth_data.password.decode() == args.password):
            return AuthResult(success=True, auth_data={
                "mechanism": mechanism, "login": auth_data.login.decode(), "password": auth_data.password.decode()})
        return AuthResult(success=False, handled=False)

    handler = Handler(args.out, args.reject)
    kwargs = dict(hostname="localhost", decode_data=False)
    if args.user:
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=args.mode == "starttls",
                      auth_exclude_mechanism=["PLAIN"] if args.only_login else None)
    if args.mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, loop=loop, **kwargs), host="127.0.0.1", port=0,
        ssl=context if args.mode == "tls" else None))
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, args.port_file)

    def watch_parent():
        # Exit with the test process, even if it crashed before stopping us.
        if os.getppid() != parent:
            loop.stop()
        else:
            loop.call_later(0.5, watch_parent)

    watch_parent()
    loop.run_forever()


if __name__ == "__main__":
    main()
