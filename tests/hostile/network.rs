//! The network: every socket() is denied and the zygote sits in an empty network namespace;
//! the test's own listeners (TCP, UDP, unix path, abstract) are checked for contact after every
//! case by the harness.

use crate::harness::{QUICK, case, expect_blocked};

#[test]
fn tcp_connect_to_a_local_listener_is_blocked() {
    let code = "import socket\nsocket.create_connection(('127.0.0.1', {TCP_PORT}), timeout=1)\n";
    let run = case("tcp-connect", code, QUICK);
    expect_blocked(&run, "network");
}

#[test]
fn udp_sendto_a_local_socket_is_blocked() {
    let code = "import socket\nsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nsock.sendto(b'x', ('127.0.0.1', {UDP_PORT}))\n";
    let run = case("udp-sendto", code, QUICK);
    expect_blocked(&run, "network");
}

#[test]
fn dns_lookup_is_blocked() {
    let code = "import socket\nsocket.getaddrinfo('example.com', 80)\n";
    let run = case("dns-lookup", code, QUICK);
    expect_blocked(&run, "network");
}

#[test]
fn unix_socket_at_a_path_is_blocked() {
    let code = "import socket\nsock = socket.socket(socket.AF_UNIX)\nsock.connect('{UNIX_PATH}')\n";
    let run = case("unix-path-connect", code, QUICK);
    expect_blocked(&run, "network");
}

#[test]
fn abstract_unix_socket_is_blocked() {
    let code =
        "import socket\nsock = socket.socket(socket.AF_UNIX)\nsock.connect('\\0{ABSTRACT}')\n";
    let run = case("unix-abstract-connect", code, QUICK);
    expect_blocked(&run, "network");
}

#[test]
fn raw_packet_socket_is_blocked() {
    let code = "import socket\nsocket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0x0300)\n";
    let run = case("raw-packet-socket", code, QUICK);
    expect_blocked(&run, "network");
}
