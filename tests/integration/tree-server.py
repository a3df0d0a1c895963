#!/usr/bin/env python3
"""Serve a directory over HTTP (or FTP) on 127.0.0.1 for the install tests.

Usage: tree-server.py ROOT [--throttle BYTES_PER_SECOND | --ftp]

Prints the port it listens on (one line) once it is ready, then serves
until killed. With --throttle every response body trickles out at about
that rate, so a test can cancel a download half way. With --ftp it serves
ROOT read-only to anonymous FTP clients instead (Debian's python3-pyftpdlib).
"""

import argparse
import functools
import http.server
import sys
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    throttle = 0

    def log_message(self, format, *args):  # quiet: the test's output stays readable
        pass

    def copyfile(self, source, outputfile):
        if not self.throttle:
            return super().copyfile(source, outputfile)
        chunk = max(1024, self.throttle // 10)
        while True:
            data = source.read(chunk)
            if not data:
                return
            try:
                outputfile.write(data)
                outputfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            time.sleep(chunk / self.throttle)


def serve_ftp(root):
    import logging

    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    logging.basicConfig(level=logging.WARNING)
    authorizer = DummyAuthorizer()
    authorizer.add_anonymous(root)
    FTPHandler.authorizer = authorizer
    server = FTPServer(("127.0.0.1", 0), FTPHandler)
    print(server.socket.getsockname()[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--throttle", type=int, default=0)
    parser.add_argument("--ftp", action="store_true")
    args = parser.parse_args()
    if args.ftp:
        return serve_ftp(args.root)

    Handler.throttle = args.throttle
    handler = functools.partial(Handler, directory=args.root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
