#!/usr/bin/env python3
"""A Sentinel health-check plugin (the exec form), in Python with the standard library only.

It speaks the exec protocol: one JSON request per line on stdin, one JSON answer per line on
stdout, matched by "id". The daemon starts it once and keeps it running. Declare it in
SENTINEL_HOME/daemon.yaml:

    plugins:
      - name: http-body
        command: [python3, /path/to/http_health.py]
        kinds: [health]

and use it from a process:

    health: {plugin: http-body, options: {path: /health, expect: '"status": "ok"'}, interval: 5s}

A check GETs http://127.0.0.1:PORT/PATH (PORT is the process's port unless options.port is set)
and is healthy when the answer is 2xx and its body contains options.expect (when given).
"""
import json
import sys
import urllib.error
import urllib.request

API_VERSION = 1


def check(params):
    options = params.get("options") or {}
    port = options.get("port") or params.get("port")
    if not port:
        return {"ok": False, "detail": "no port: give the process a port or options.port"}
    url = "http://127.0.0.1:%s%s" % (port, options.get("path", "/"))
    timeout = float(options.get("timeout_seconds", 3))
    try:
        with urllib.request.urlopen(url, timeout=timeout) as res:
            body = res.read(65536).decode("utf-8", "replace")
            status = res.status
    except urllib.error.HTTPError as err:
        return {"ok": False, "detail": "%s answered %d" % (url, err.code)}
    except Exception as err:  # refused, reset, timed out: all mean unhealthy
        return {"ok": False, "detail": "%s: %s" % (url, err)}
    expect = options.get("expect")
    if expect is not None and expect not in body:
        return {"ok": False, "detail": "%s answered %d without %r" % (url, status, expect)}
    return {"ok": True, "detail": "%s answered %d" % (url, status)}


def answer(request):
    method = request.get("method")
    params = request.get("params") or {}
    if method == "hello":
        return {"apiVersion": API_VERSION, "kinds": ["health"]}
    if method == "check":
        return check(params)
    raise ValueError("unknown method %r" % method)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            reply = {"id": request["id"], "result": answer(request)}
        except Exception as err:
            reply = {"id": request.get("id"), "error": {"message": str(err)}}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
