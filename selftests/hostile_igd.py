#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A hostile UPnP gateway on a LAN, for selftests/nat6081.sh: it answers
SSDP searches like an Internet gateway device, then

  hang  accepts the HTTP connection and never answers;
  lie   answers every request, says its external address is EXT (not the
        NAT's), accepts any port mapping and logs each SOAP action on
        stdout ("action NAME").

usage: hostile_igd.py hang|lie LAN-IP [EXT]
"""
import socket
import struct
import sys
import threading
import time

MODE, LAN = sys.argv[1], sys.argv[2]
EXT = sys.argv[3] if len(sys.argv) > 3 else "198.18.0.99"
SSDP = ("239.255.255.250", 1900)
ST = "urn:schemas-upnp-org:device:InternetGatewayDevice:1"
WANIP = "urn:schemas-upnp-org:service:WANIPConnection:1"

DESC = f"""<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>{ST}</deviceType><friendlyName>hostile</friendlyName>
<deviceList><device>
<deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<serviceList><service>
<serviceType>urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1</serviceType>
<serviceId>urn:upnp-org:serviceId:WANCommonIFC1</serviceId>
<controlURL>/cif</controlURL><eventSubURL>/evc</eventSubURL>
<SCPDURL>/cif.xml</SCPDURL></service></serviceList>
<deviceList><device>
<deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList><service><serviceType>{WANIP}</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
<controlURL>/ctl</controlURL><eventSubURL>/evt</eventSubURL>
<SCPDURL>/scpd.xml</SCPDURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>
"""


def soap(action, body):
    return (f'<?xml version="1.0"?><s:Envelope '
            f'xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            f'<u:{action}Response xmlns:u="{WANIP}">{body}'
            f'</u:{action}Response></s:Body></s:Envelope>')


ANSWERS = {
    "GetStatusInfo": "<NewConnectionStatus>Connected</NewConnectionStatus>"
                     "<NewLastConnectionError>ERROR_NONE</NewLastConnectionError>"
                     "<NewUptime>100</NewUptime>",
    "GetExternalIPAddress": f"<NewExternalIPAddress>{EXT}</NewExternalIPAddress>",
}


def http_reply(conn, body, ctype="text/xml"):
    data = body.encode()
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype.encode() +
                 b"\r\nContent-Length: " + str(len(data)).encode() +
                 b"\r\nConnection: close\r\n\r\n" + data)


def serve(conn):
    if MODE == "hang":
        time.sleep(3600)
        return
    req = b""
    conn.settimeout(5)
    try:
        while b"\r\n\r\n" not in req:
            req += conn.recv(4096)
        head, _, body = req.partition(b"\r\n\r\n")
        length = 0
        action = ""
        for line in head.split(b"\r\n"):
            k, _, v = line.partition(b":")
            if k.lower() == b"content-length":
                length = int(v)
            if k.lower() == b"soapaction":
                action = v.decode().strip().strip('"').split("#")[-1]
        while len(body) < length:
            body += conn.recv(4096)
        if head.startswith(b"GET"):
            http_reply(conn, DESC)
        else:
            print("action", action, flush=True)
            http_reply(conn, soap(action, ANSWERS.get(action, "")))
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def http_server(sock):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def main():
    http = socket.socket()
    http.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    http.bind((LAN, 0))
    http.listen(16)
    port = http.getsockname()[1]
    threading.Thread(target=http_server, args=(http,), daemon=True).start()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", SSDP[1]))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 struct.pack("4s4s", socket.inet_aton(SSDP[0]),
                             socket.inet_aton(LAN)))
    print("ready", port, flush=True)
    while True:
        data, src = s.recvfrom(2048)
        if not data.startswith(b"M-SEARCH"):
            continue
        reply = (f"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\n"
                 f"ST: {ST}\r\nUSN: uuid:hostile::{ST}\r\nEXT:\r\n"
                 f"SERVER: hostile/1.0 UPnP/1.0\r\n"
                 f"LOCATION: http://{LAN}:{port}/desc.xml\r\n\r\n")
        s.sendto(reply.encode(), src)


if __name__ == "__main__":
    main()
