#!/usr/bin/perl
# lessons.t: run every command the lessons show, in order, and check that
# the output has the lines the lesson says to expect.
#
# In a lesson, a ```console block holds commands ("$ " lines) and, after
# each, the output to expect.  Numbers and hex values in the expected
# lines stand for any number (pids and addresses differ from run to run),
# runs of spaces for any spacing, and "..." for anything; the lines must
# appear in the output in the order shown, other lines may come between.
# A command ending in "&" runs in the background, and the lines shown
# under it must appear in its output; its pid= is ended after the lesson.
# "[exit N]" under a command expects that exit status instead of 0.
use strict;
use warnings;
use FindBin;
use Time::HiRes qw(sleep);

chdir "$FindBin::Bin/.." or die "chdir: $!";
my $run = $ENV{RUN} // 'wine';
$ENV{WINEDEBUG} //= '-all';
$ENV{WINEPREFIX} //= "$FindBin::Bin/../build/wineprefix";
my $tmp = "build/lessons.$$";
mkdir 'build';
mkdir $tmp or die "mkdir $tmp: $!";
my ($n, $failed) = (0, 0);

sub ok {
	my ($cond, $desc, @diag) = @_;
	$n++;
	$failed++ unless $cond;
	print(($cond ? 'ok' : 'not ok') . " $n - $desc\n");
	print map { "# $_\n" } @diag unless $cond;
}

# One expected line as a regex.
sub pattern {
	my ($line) = @_;
	my $re = '';
	for my $tok (split /(\.\.\.|…|\s+|\b(?:0x)?[0-9a-f]*[0-9][0-9a-f]*\b)/, $line) {
		next if $tok eq '';
		if ($tok eq '...' || $tok eq '…') { $re .= '.*' }
		elsif ($tok =~ /^\s+$/) { $re .= '\s+' }
		elsif ($tok =~ /^(?:0x)?[0-9a-f]*[0-9][0-9a-f]*$/) { $re .= '(?:0x)?[0-9a-f]+' }
		else { $re .= quotemeta $tok }
	}
	return qr/^\s*$re\s*$/;
}

# The expected lines missing from @out (in order); empty when all match.
sub missing {
	my ($want, $out) = @_;
	my $i = 0;
	for my $w (@$want) {
		my $re = pattern($w);
		$i++ while $i < @$out && $out->[$i] !~ $re;
		return ($w) if $i == @$out;
		$i++;
	}
	return ();
}

sub slurp {
	my ($f) = @_;
	open my $fh, '<', $f or return ();
	my @l = map { s/\r?\n\z//r } <$fh>;
	return @l;
}

# A string as one single-quoted shell word.
sub quote {
	my ($s) = @_;
	$s =~ s/'/'\\''/g;
	return "'$s'";
}

# Parse a lesson into steps: { cmd, want => [...], status }.
sub steps {
	my ($file) = @_;
	my (@steps, $in);
	for (slurp($file)) {
		if (/^```console\s*$/) { $in = 1; next }
		if ($in && /^```\s*$/) { $in = 0; next }
		next unless $in;
		if (/^\$ (.*)$/) { push @steps, { cmd => $1, want => [], status => 0 } }
		elsif (@steps && /^\[exit (\d+)\]$/) { $steps[-1]{status} = $1 }
		elsif (@steps && /\S/) { push @{$steps[-1]{want}}, $_ }
	}
	return @steps;
}

# Lessons named on the command line, or all of them.
for my $file (@ARGV ? @ARGV : sort glob 'lessons/*.md') {
	my @bg;
	my $k = 0;
	for my $s (steps($file)) {
		my $cmd = $s->{cmd};
		$cmd =~ s/^wine /$run /;
		# No command may hang the suite: at most 120 s each.
		my $limit = 'timeout -k 5 120';
		my $out = "$tmp/out." . $k++;
		if ($cmd =~ s/\s*&\s*$//) {
			system("($cmd) > $out 2>&1 &");
			my @lines;
			for (1 .. 200) {
				@lines = slurp($out);
				last unless missing($s->{want}, \@lines);
				sleep 0.05;
			}
			push @bg, $1 if @lines && $lines[0] =~ /\bpid=(\d+)/;
			my @miss = missing($s->{want}, \@lines);
			ok(!@miss, "$file: $s->{cmd}", (map { "missing: $_" } @miss),
			    map { "got: $_" } @lines[0 .. ($#lines < 9 ? $#lines : 9)]);
			next;
		}
		system("($limit sh -c " . quote($cmd) . ") > $out 2>&1");
		my $status = $? >> 8;
		my @lines = slurp($out);
		my @miss = missing($s->{want}, \@lines);
		ok($status == $s->{status} && !@miss, "$file: $s->{cmd}",
		    "exit $status, want $s->{status}", (map { "missing: $_" } @miss),
		    map { "got: $_" } @lines);
	}
	system("$run taskkill /F /PID $_ >/dev/null 2>&1") for @bg;
}
system('rm', '-rf', $tmp);
print "1..$n\n";
exit($failed ? 1 : 0);
