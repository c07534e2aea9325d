"""A plain `requests.head` loop over the catalogue's URLs, for the README's comparison column.

Reads a JSON job on stdin: {"dnsServer": "127.0.0.1:PORT", "ca": "/path/ca.pem", "timeoutSeconds": 2,
"urls": [{"id": ..., "url": ...}]}. Prints one JSON object: {id: "200" or the exception's class name}.

Names are looked up from the catalogue's loopback nameserver, as if it were the system's resolver (glibc's
answers: NXDOMAIN is EAI_NONAME, SERVFAIL/REFUSED/no answer EAI_AGAIN, no address EAI_NODATA); everything else
about the request is requests' own defaults (no redirects followed for HEAD), plus the timeout and the CA.
"""

import ipaddress
import json
import random
import socket
import struct
import sys

import requests

TYPE_A = 1
TYPE_AAAA = 28
RCODE_NXDOMAIN = 3


def ask(server, name, qtype, timeout):
    """One query to the loopback nameserver: (rcode, [addresses]); raises socket.timeout."""
    host, port = server.rsplit(":", 1)
    query_id = random.randrange(1 << 16)
    question = b"".join(bytes([len(label)]) + label.encode("ascii") for label in name.split(".")) + b"\0"
    packet = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + question + struct.pack(">HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(timeout)
        udp.sendto(packet, (host, int(port)))
        while True:
            reply, _ = udp.recvfrom(4096)
            if struct.unpack(">H", reply[:2])[0] == query_id:
                break
    flags, _, answers = struct.unpack(">HHH", reply[2:8])
    offset = 12 + len(question) + 4
    addresses = []
    for _ in range(answers):
        offset = skip_name(reply, offset)
        rtype, _, _, length = struct.unpack(">HHIH", reply[offset : offset + 10])
        data = reply[offset + 10 : offset + 10 + length]
        offset += 10 + length
        if rtype == TYPE_A:
            addresses.append((socket.AF_INET, socket.inet_ntop(socket.AF_INET, data)))
        elif rtype == TYPE_AAAA:
            addresses.append((socket.AF_INET6, socket.inet_ntop(socket.AF_INET6, data)))
    return flags & 0x0F, addresses


def skip_name(packet, offset):
    while True:
        length = packet[offset]
        if length == 0:
            return offset + 1
        if length >= 0xC0:
            return offset + 2
        offset += 1 + length


def resolver_for(server, timeout):
    system_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        try:
            ipaddress.ip_address(host)
            return system_getaddrinfo(host, port, family, type, proto, flags)
        except ValueError:
            pass
        found, rcodes = [], []
        for qtype in (TYPE_A, TYPE_AAAA):
            try:
                rcode, addresses = ask(server, host, qtype, timeout)
            except socket.timeout:
                raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
            rcodes.append(rcode)
            found.extend(addresses)
        if RCODE_NXDOMAIN in rcodes:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if any(rcode != 0 for rcode in rcodes):
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if not found:
            raise socket.gaierror(socket.EAI_NODATA, "No address associated with hostname")
        kind = type or socket.SOCK_STREAM
        return [(fam, kind, proto or socket.IPPROTO_TCP, "", (address, port)) for fam, address in found]

    return getaddrinfo


def main():
    job = json.load(sys.stdin)
    socket.getaddrinfo = resolver_for(job["dnsServer"], job["timeoutSeconds"])
    results = {}
    for entry in job["urls"]:
        try:
            response = requests.head(entry["url"], timeout=job["timeoutSeconds"], verify=job["ca"])
            results[entry["id"]] = str(response.status_code)
        except Exception as error:  # noqa: BLE001 - the class is the result
            results[entry["id"]] = type(error).__name__
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
