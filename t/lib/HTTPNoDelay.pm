package HTTPNoDelay;
# HTTP::Tiny writes the headers and the body of a request separately; with
# Nagle's algorithm on, the body then waits for the server's delayed ACK
# (40 ms a request). Clients worth measuring send without delay: loading
# this module turns TCP_NODELAY on for every HTTP::Tiny connection.
use strict;
use warnings;
use HTTP::Tiny;
use Socket ();

{
    no warnings 'redefine';
    my $connect = \&HTTP::Tiny::Handle::connect;
    *HTTP::Tiny::Handle::connect = sub {
        my $handle = $connect->(@_);
        setsockopt($handle->{fh}, Socket::IPPROTO_TCP(), Socket::TCP_NODELAY(), 1);
        return $handle;
    };
}

1;
