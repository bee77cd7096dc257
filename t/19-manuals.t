# The manual pages (man/) and the help of the programs, against the
# sources they describe, so they cannot drift: every directive of the
# module's command table (mod_vplanet/config.c) has an entry in
# mod_vplanet(8) and a line in the README's "Configuration", every Define
# conf/vplanet.conf reads is in both, every key of vplanetd's
# configuration (vplanetd/vpd_config.c) in vplanetd(8) and the README,
# every option of the programs in their pages; the pages format without a
# warning as lintian runs man; `make install-man` puts them in man8;
# `vplanetd --help` and `vplanet-migrate --help` answer.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use VP;

my $SRC = $ENV{VP_SRC};
my %man = map { $_ => slurp("$SRC/man/$_.8") } qw(mod_vplanet vplanetd vplanet-migrate);
my $readme = slurp("$SRC/README");
my ($configuration) = $readme =~ /^Configuration\n-+\n(.*?)^\S[^\n]*\n-+\n/ms;
my ($vplanetd_section) = $readme =~ /^vplanetd\n-+\n(.*?)^\S[^\n]*\n-+\n/ms;
ok($configuration && $vplanetd_section, 'the README has "Configuration" and "vplanetd"');

# ".B NAME" / ".BI NAME ..." / ".BR NAME ..." at the start of an entry (.TP)
sub entries {
    my ($page) = @_;
    my %e;
    $e{$1}++ while $page =~ /^\.TP[^\n]*\n\.B[IR]?\s+"?([A-Za-z_][\w]*)/mg;
    return \%e;
}

subtest 'every directive of the command table is in mod_vplanet(8) and the README' => sub {
    my $c = slurp("$SRC/mod_vplanet/config.c");
    my @directives = $c =~ /AP_INIT_\w+\("(\w+)"/g;
    cmp_ok(scalar @directives, '>=', 25, scalar(@directives) . ' directives in config.c');
    my $e = entries($man{mod_vplanet});
    for my $d (@directives) {
        ok($e->{$d}, "$d has an entry in mod_vplanet(8)");
        like($configuration // '', qr/^ {4}\Q$d\E\b/m, "... and a line in the README's Configuration");
    }
    my %known = map { $_ => 1 } @directives;
    my @stray = grep { /^VPlanet/ && !$known{$_} } sort keys %$e;
    is("@stray", '', 'mod_vplanet(8) describes no directive the module does not have');
};

subtest 'every Define of conf/vplanet.conf and conf/vplanet.load is in mod_vplanet(8) and the README' => sub {
    my %defines;
    for my $f (qw(vplanet.conf vplanet.load)) {
        my $text = slurp("$SRC/conf/$f");
        $defines{$1}{$f} = 1 while $text =~ /\$\{(VPLANET_\w+)\}/g;
    }
    cmp_ok(scalar keys %defines, '>=', 9, join(' ', sort keys %defines));
    my $e = entries($man{mod_vplanet});
    for my $d (sort keys %defines) {
        ok($e->{$d} || $man{mod_vplanet} =~ /^\.B \Q$d\E$/m, "$d is in mod_vplanet(8)");
        like($readme, qr/^ {4}\Q$d\E\b/m, '... and in the README') if $defines{$d}{'vplanet.conf'};
    }
};

subtest 'every key of vplanetd.conf is in vplanetd(8) and the README' => sub {
    my $c = slurp("$SRC/vplanetd/vpd_config.c");
    my ($table) = $c =~ /\bkeys\[\] = \{(.*?)\n\};/s;
    my @keys = ($table // '') =~ /(?:STR|INT)\((\w+)|\{"(\w+)", K_/g;
    @keys = grep { defined && $_ ne 'k' } @keys;
    cmp_ok(scalar @keys, '>=', 40, scalar(@keys) . ' keys in vpd_config.c');
    my $page = $man{vplanetd};
    for my $k (@keys) {
        like($page, qr/^\.BR? \Q$k\E\b|^\.BR \w+ ", " \Q$k\E$/m, "$k has an entry in vplanetd(8)");
        like($vplanetd_section // '', qr/^ {4}(?:\w+, )?\Q$k\E\b/m, '... and a line in the README');
    }
};

subtest 'the options of the programs are in their pages' => sub {
    my ($short) = slurp("$SRC/vplanetd/main.c") =~ /getopt_long\(argc, argv, "([^"]+)"/;
    ok($short, "vplanetd's options: $short");
    for my $o (split //, ($short // '') =~ s/://gr) {
        like($man{vplanetd}, qr/^\.B[IR]? \\-\Q$o\E\b/m, "vplanetd -$o is in vplanetd(8)");
    }
    my $m = slurp("$SRC/tools/vplanet-migrate");
    my @opts = $m =~ /^\s+(?:-\w\|)?(--\w+)\)/mg;
    is("@opts", '--dir --status --help', "vplanet-migrate's options");
    for my $o (@opts) {
        my $roff = $o =~ s/-/\\-/gr;
        like($man{'vplanet-migrate'}, qr/^\.B[IR]? .*\Q$roff\E/m, "$o is in vplanet-migrate(8)");
    }
};

subtest 'the pages format without a warning (man as lintian runs it)' => sub {
    for my $page (sort keys %man) {
        my $out = `cd $SRC/man && env -i PATH="\$PATH" LC_ALL=C.UTF-8 MANROFFSEQ= MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z $page.8 2>&1 >/dev/null`;
        is($?, 0, "$page.8 formats");
        is($out, '', '... without a warning');
        $out = `groff -ww -man -z $SRC/man/$page.8 2>&1`;
        is($out, '', '... nor from groff -ww');
        like(`lexgrog $SRC/man/$page.8`, qr/: "\Q$page\E - \S/, '... and its NAME line parses (whatis)');
        unlike($man{$page}, qr/^(?!\.\\")[^\n]*(?:\s|")-[a-zA-Z-]/m,
               '... options are written \\- (a hyphen is no minus sign)');
    }
};

subtest 'make install puts them in man8' => sub {
    my $dest = tempdir(CLEANUP => 1);
    my $out = `make -s -C $ENV{VP_BUILD} install-man DESTDIR=$dest 2>&1`;
    is($?, 0, 'make install-man') or diag($out);
    my @got = sort map { s{.*/}{}r } glob("$dest/*/*/share/man/man8/*.8 $dest/*/share/man/man8/*.8");
    is("@got", 'mod_vplanet.8 vplanet-migrate.8 vplanetd.8', 'the three pages in $(mandir)/man8');
};

subtest '--help' => sub {
    for my $arg ('--help', '-h') {
        my $out = `$ENV{VP_VPLANETD} $arg 2>&1`;
        is($?, 0, "vplanetd $arg: exit status 0");
        like($out, qr/^usage: vplanetd \[-c FILE\] \[-t\] \[-v\] \[-h\]\n/, '... the usage');
        like($out, qr/--config FILE.*--test.*--version.*--help/s, '... with every option');
    }
    my $out = `$ENV{VP_VPLANETD} --no-such-option 2>&1`;
    is($? >> 8, 2, 'an unknown option: exit status 2');
    like($out, qr/vplanetd --help says more/, '... pointing at --help');
    $out = `$ENV{VP_VPLANETD} --version 2>&1`;
    like($out, qr/^vplanetd \d+\.\d+/, 'vplanetd --version');

    $out = `$SRC/tools/vplanet-migrate --help 2>&1`;
    is($?, 0, 'vplanet-migrate --help: exit status 0');
    like($out, qr/^vplanet-migrate: applies/, '... what it does');
    like($out, qr/--dir DIR.*--status.*--help/s, '... its options');
    unlike($out, qr/set -euo|^#/m, '... and nothing of the script');
    $out = `$SRC/tools/vplanet-migrate --dir 2>&1`;
    is($? >> 8, 2, 'vplanet-migrate --dir without a folder: exit status 2');
};

done_testing;
