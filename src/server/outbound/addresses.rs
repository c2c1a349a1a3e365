//! Which addresses are the server's own network (or nobody's) rather than the internet.
//!
//! A list of networks instead of `IpAddr::is_global` (unstable) or a handful of `is_*`
//! calls: the IANA special-purpose registries name more ranges than the standard library's
//! stable predicates cover (CGNAT, benchmarking, NAT64, 6to4, Teredo …), and an address that
//! embeds an IPv4 address (mapped, compatible, NAT64, 6to4) is judged by the one it embeds.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// IPv4 networks the server never calls (RFC 6890 and the IANA registry: not globally
/// reachable, or not unicast).
const REFUSED_V4: [(Ipv4Addr, u8); 16] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network", unspecified
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private (RFC 1918)
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // shared address space, CGNAT (RFC 6598)
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, cloud metadata (169.254.169.254)
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private (RFC 1918)
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation (TEST-NET-1)
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast (deprecated)
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private (RFC 1918)
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation (TEST-NET-2)
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation (TEST-NET-3)
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, and broadcast
    (Ipv4Addr::new(255, 255, 255, 255), 32),
];

/// IPv6 networks the server never calls. Those that embed an IPv4 address are handled first
/// (see [`embedded_v4`]).
const REFUSED_V6: [(Ipv6Addr, u8); 10] = [
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // local-use NAT64
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),     // discard-only
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),    // IETF protocol assignments, Teredo
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),     // unique local
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),    // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),    // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),     // multicast
];

/// The IPv4 address an IPv6 address stands for, where it stands for one: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, deprecated), NAT64 (`64:ff9b::a.b.c.d`)
/// and 6to4 (`2002:aabb:ccdd::`). Reaching those reaches that IPv4 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        [0, 0, 0, 0, 0, 0, _, _] if ip != Ipv6Addr::UNSPECIFIED && ip != Ipv6Addr::LOCALHOST => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0x2002, high, low, ..] => {
            Some(Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8))
        }
        _ => None,
    }
}

/// Whether `ip` is internal: loopback, private, link-local, CGNAT, multicast, unspecified,
/// unique-local, documentation or reserved — or an IPv6 form of such an IPv4 address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            REFUSED_V4.iter().any(|&(net, len)| Ipv4Net::new(net, len).is_ok_and(|net| net.contains(&v4)))
        }
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_internal(IpAddr::V4(v4)),
            None => {
                REFUSED_V6.iter().any(|&(net, len)| Ipv6Net::new(net, len).is_ok_and(|net| net.contains(&v6)))
            }
        },
    }
}

/// Whether `net` holds `ip`, judging an IPv4-mapped address as the IPv4 address it is.
pub fn net_contains(net: &IpNet, ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    net.contains(&ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn internal(text: &str) -> bool {
        is_internal(text.parse().expect("an address"))
    }

    #[test]
    fn the_servers_own_networks_are_internal_in_every_spelling() {
        for address in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
        ] {
            assert!(internal(address), "{address} should be internal");
        }
    }

    #[test]
    fn the_internet_is_not() {
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "142.250.74.110",
            "2a00:1450:4001:80b::200a",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert!(!internal(address), "{address} should be allowed");
        }
    }

    #[test]
    fn a_mapped_address_is_in_the_ipv4_network_it_names() {
        let net: IpNet = "10.1.0.0/16".parse().expect("a network");
        assert!(net_contains(&net, "10.1.2.3".parse().expect("v4")));
        assert!(net_contains(&net, "::ffff:10.1.2.3".parse().expect("mapped")));
        assert!(!net_contains(&net, "10.2.0.1".parse().expect("v4")));
    }
}
