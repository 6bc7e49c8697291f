#!/usr/bin/perl
# lessons.t: follow every lesson as a learner does, and check that each
# command prints what the lesson shows.
#
# The learner's path: one checkout, one shell, the lessons in order, every
# exercise applied and undone.  So the lessons run, all of them, in a
# scratch copy of this checkout (build/learner, a git repository of its
# own, sharing build/deps and the Wine prefix), one command at a time, in
# what behaves as one shell: each command starts where the last one left
# the working directory and the exported variables.  Nothing is cleaned
# up between lessons: a lesson must stop what it started (make stop), and
# a target left running is a failure.
#
# In a lesson:
# - A ```console block holds commands ("$ " lines) and, under each, its
#   output, compared exactly, line by line (blank lines too, but for
#   those at the end of a block), except that
#   - a line "..." stands for any number of lines, and "..." inside a
#     line for any text;
#   - a run of spaces matches any run of spaces;
#   - numbers that vary by nature match any number: the number after
#     pid, pid=, tid, tid=, thread, PID (and the lists after pids/tids), and a
#     number followed by a unit of time or a rate (ms, us, µs, s, steps/s,
#     /s);
#   - a comment right after the block, <!-- vary: TOKEN ... -->, names
#     other values that differ from run to run or build to build: each
#     TOKEN, wherever it stands as a whole word in the block's output,
#     matches any value of its form (0x-hex, hex of the same width, a
#     decimal number; digits alone stand for either; any word for a word).
#     TOKEN>N (or <N, >=N, <=N) bounds such a number, where the lesson
#     says what it must be: <!-- vary: 1190143>0 --> for "misses calls".
#   "[exit N]" under a command expects that exit status instead of 0.
# - A command ending in "&" runs in the background.  Its output lines
#   shown under it must appear at the start of its output.  When it sends
#   its output to a file ("> build/x.txt &"), the next command waits
#   until that file holds a first line, as a learner waits a moment.
# - A ```diff block is an exercise: it is applied with git apply where it
#   stands.  The lesson shows how to rebuild, what happens, and how to
#   undo it; at the end of the lesson the copy's sources must be as they
#   were.
#
# prove ... tests/lessons.t :: lessons/04-int3.md runs the lessons named
# (with a fresh copy, so without what earlier lessons leave behind).
# With LESSONS_KEEP=1, build/lessons.PID keeps every command's output.
use strict;
use warnings;
use Cwd qw(getcwd);
use FindBin;
use Time::HiRes qw(sleep);

$| = 1;	# each result as it comes, in order with its diagnostics

chdir "$FindBin::Bin/.." or die "chdir: $!";
my $top = getcwd();
my $run = $ENV{RUN} // 'wine';
my $copy = "$top/build/learner";
my $tmp = "$top/build/lessons.$$";
my ($n, $failed) = (0, 0);
# The runner's own looks at the prefix go to the learner's prefix.
$ENV{WINEPREFIX} = "$copy/build/wineprefix";
$ENV{WINEDEBUG} = '-all';
# The learner types make at a shell, not inside make check: no
# "Entering directory" lines, no flags of the outer make.
delete @ENV{qw(MAKELEVEL MAKEFLAGS MFLAGS MAKEOVERRIDES)};

sub ok {
	my ($cond, $desc, @diag) = @_;
	$n++;
	$failed++ unless $cond;
	print(($cond ? 'ok' : 'not ok') . " $n - $desc\n");
	# Diagnostics on stderr, as TAP has them: prove shows them even
	# when it does not show the test's own lines.
	print STDERR map { "# $_\n" } @diag unless $cond;
	# And to make check's log of failures (tests/lib.sh).
	if (!$cond && $ENV{CHECK_LOG} && open(my $log, '>>', $ENV{CHECK_LOG})) {
		print $log "lessons.t: not ok $n - $desc\n", map { "#   $_\n" } @diag;
		close $log;
	}
	return $cond;
}

sub sh {
	my ($cmd) = @_;
	system('sh', '-c', $cmd) == 0 or die "lessons.t: $cmd: failed\n";
}

sub slurp {
	my ($f) = @_;
	open my $fh, '<', $f or return ();
	local $/;
	my $s = <$fh> // '';
	return map { s/\r\z//r } split /\n/, $s;
}

# A string as one single-quoted shell word.
sub quote {
	my ($s) = @_;
	$s =~ s/'/'\\''/g;
	return "'$s'";
}

# --- Matching ----------------------------------------------------------

# What a TOKEN of a vary comment stands for.
sub vary_re {
	my ($t) = @_;
	return '0x[0-9a-fA-F]+' if $t =~ /^0x[0-9a-fA-F]+$/;
	return '[0-9a-f]{' . length($t) . '}'
	    if $t =~ /^[0-9a-f]+$/ && ($t =~ /[a-f]/ || $t =~ /^0./);
	return '(?:[0-9a-f]{' . length($t) . '}|[0-9][0-9.,]*)' if $t =~ /^[0-9]+$/;
	return '[0-9][0-9.,]*' if $t =~ /^[0-9][0-9.,]*$/;
	return '\S+';
}

# One expected line as a regex; $vary maps tokens to what they stand for.
sub pattern {
	my ($line, $vary) = @_;
	my @tokens = sort { length $b <=> length $a } keys %$vary;
	my ($re, @conds) = ('');
	my $len = length $line;
	pos($line) = 0;
	CHAR: while (pos($line) < $len) {
		if ($line =~ /\G(?:\.\.\.|…)/gc) { $re .= '.*'; next }
		if ($line =~ /\G\s+/gc) { $re .= '\s+'; next }
		if ($line =~ /\G\b((?:pid|tid|thread|PID|TID)s?(?:=|\s+))(\d+(?:,\s*\d+)*)/gc) {
			$re .= quotemeta($1) . '[0-9a-f]+(?:,\s*[0-9a-f]+)*';
			next;
		}
		my $p = pos($line);
		my $before = $p > 0 ? substr($line, $p - 1, 1) : '';
		if ($before !~ /\w/) {
			for my $t (@tokens) {
				next unless substr($line, $p, length $t) eq $t;
				my $after = substr($line, $p + length $t, 1);
				next if $after =~ /\w/;
				my ($vre, $cond) = @{$vary->{$t}};
				if ($cond) {
					$re .= "($vre)";
					push @conds, $cond;
				} else {
					$re .= $vre;
				}
				pos($line) = $p + length $t;
				next CHAR;
			}
		}
		if ($line =~ m{\G(?<![\w.])\d+(?:\.\d+)?(?=\s*(?:ms|us|µs|s|steps/s|/s)\b)}gc) {
			$re .= '\d+(?:\.\d+)?';
			next;
		}
		$line =~ /\G(.)/gcs;
		$re .= quotemeta $1;
	}
	my $qr = qr/^\s*$re\s*$/;
	return sub {
		my @got = ($_[0] =~ $qr) or return 0;
		for my $i (0 .. $#conds) {
			my ($op, $n) = @{$conds[$i]};
			my $v = $got[$i] =~ /^0x/i ? hex($got[$i]) : $got[$i];
			return 0 unless $op eq '>' ? $v > $n : $op eq '<' ? $v < $n :
			    $op eq '>=' ? $v >= $n : $v <= $n;
		}
		return 1;
	};
}

# The tokens of a vary comment: TOKEN, or TOKEN>N (also <, >=, <=) for a
# value that varies within bounds the lesson states.
sub vary_tokens {
	my ($list) = @_;
	my %v;
	for (split ' ', $list) {
		my ($t, $op, $n) = /^(.+?)(>=|<=|>|<)(-?[0-9.]+)$/ ? ($1, $2, $3) : ($_);
		$v{$t} = [vary_re($t), $op ? [$op, $n] : undef];
	}
	return \%v;
}

# Whether the lines @$out are the expected @$want (patterns, or undef for
# a "..." line).  With $prefix, @$out may go on after them.  Returns the
# index of the first expected line that could not be matched, or -1.
sub mismatch {
	my ($want, $out, $prefix) = @_;
	my %memo;
	my $best = 0;
	my $m;
	$m = sub {
		my ($i, $j) = @_;
		my $key = "$i,$j";
		return $memo{$key} if exists $memo{$key};
		$best = $i if $i > $best;
		my $r;
		if ($i == @$want) {
			$r = $prefix || $j == @$out;
		} elsif (!defined $want->[$i]) {
			$r = 0;
			for my $k ($j .. scalar @$out) {
				last if $r = $m->($i + 1, $k);
			}
		} else {
			$r = $j < @$out && $want->[$i]->($out->[$j]) && $m->($i + 1, $j + 1);
		}
		return $memo{$key} = $r;
	};
	return $m->(0, 0) ? -1 : $best;
}

# --- Reading a lesson ----------------------------------------------------

# The steps of a lesson: { cmd, want => [lines], status, vary => {...} }
# for a command, { diff => text } for an exercise.
sub steps {
	my ($file) = @_;
	my (@steps, @block, $in, $last_block);
	for (slurp($file)) {
		if (!$in && /^```(console|diff)\s*$/) { $in = $1; @block = (); next }
		if ($in && /^```\s*$/) {
			if ($in eq 'diff') {
				push @steps, { diff => join('', map { "$_\n" } @block) };
				$last_block = undef;
			} else {
				$last_block = [];
				for (@block) {
					if (/^\$ (.*)$/) {
						push @steps, { cmd => $1, want => [],
						    status => 0, vary => {} };
						push @$last_block, $steps[-1];
					} elsif (@$last_block && /^\[exit (\d+)\]$/) {
						$steps[-1]{status} = $1;
					} elsif (@$last_block) {
						push @{$steps[-1]{want}}, $_;
					}
				}
				# A blank line shown counts, but not at the end.
				for my $s (@$last_block) {
					pop @{$s->{want}} while @{$s->{want}} &&
					    $s->{want}[-1] !~ /\S/;
				}
			}
			$in = undef;
			next;
		}
		if ($in) { push @block, $_; next }
		if ($last_block && /^<!--\s*vary:\s*(.*?)\s*-->\s*$/) {
			my $v = vary_tokens($1);
			$_->{vary} = $v for @$last_block;
			next;
		}
		$last_block = undef if /\S/;
	}
	return @steps;
}

# --- The learner's checkout ----------------------------------------------

# A copy of this checkout as it stands (tracked and new files, not the
# ignored ones), with the builds as they are, as a repository of its own.
sub make_copy {
	sh("rm -rf '$copy' && mkdir -p '$copy/build'");
	sh("git ls-files -z -c -o --exclude-standard | " .
	    "xargs -0 tar cf - | (cd '$copy' && tar xf -)");
	for my $a ('x86', 'x64') {
		sh("cp -a build/$a '$copy/build/$a'") if -d "build/$a";
	}
	for my $shared ('deps', 'wineprefix') {
		symlink("$top/build/$shared", "$copy/build/$shared")
		    or die "symlink $shared: $!";
	}
	sh("cd '$copy' && git init -q && git add -A && " .
	    "git -c user.name=learner -c user.email=learner\@localhost " .
	    "commit -qm 'the checkout as the learner has it'");
}

# The learner's shell: one bash for all the lessons, reading commands
# from us, so that the working directory, exported variables and
# background jobs ($!, wait) carry over from one command to the next.
my $shell;

sub shell_start {
	open($shell, '|-', 'bash') or die "bash: $!";
	select((select($shell), $| = 1)[0]);
	print $shell "cd '$copy' && export WINEPREFIX='$copy/build/wineprefix' " .
	    "WINEDEBUG=-all\n";
}

# Builtins that change the shell itself run in it; anything else in a
# child, with a time limit, so that no command hangs the suite.
my $builtin = qr/^\s*(?:cd|export|unset|set|wait|kill|jobs|source|\.)\b/;

# Run one command as the learner's shell does; returns its exit status.
sub run_cmd {
	my ($cmd, $out, $bg) = @_;
	my $done = "$out.status";
	unlink $done;
	if ($bg) {
		$cmd =~ s/\s*&\s*$//;
		print $shell "{ $cmd\n} > '$out' 2>&1 < /dev/null &\n";
		print $shell "echo 0 > '$done'\n";
	} elsif ($cmd =~ $builtin) {
		print $shell "{ $cmd\n} > '$out' 2>&1 < /dev/null; echo \$? > '$done'\n";
	} else {
		print $shell "timeout -k 5 120 bash -c " . quote($cmd) .
		    " > '$out' 2>&1 < /dev/null; echo \$? > '$done'\n";
	}
	for (1 .. 2600) {
		if (-s $done) {
			open my $fh, '<', $done or next;
			my $rc = <$fh> // '';
			return $1 if $rc =~ /^(\d+)\n/;
		}
		sleep 0.05;
	}
	die "lessons.t: $cmd: the shell did not come back in 130 s\n";
}

# A background command that sends its output to a file: that file.
sub bg_file {
	my ($cmd) = @_;
	return $1 if $cmd =~ /(?:^|\s)>\s*(\S+)(?:\s+2>&1)?\s*$/;
	return undef;
}

# Whether programs of this checkout still run in the prefix.
sub still_running {
	my @p = grep { /\b(?:build[\\\/](?:x86|x64)[\\\/])?(\w+)\.exe\b/ }
	    `$run winedbg --command "info process" 2>/dev/null`;
	my %ours = map { $_ => 1 } map { m{([^/]+)\.c$} ? $1 : () }
	    glob('targets/*.c'), glob('tools/*.c');
	return grep { /'(\w+)\.exe'/ && $ours{$1} } map { s/\r//r } @p;
}

# --- Following the lessons -----------------------------------------------

mkdir $tmp or die "mkdir $tmp: $!";
make_copy();
# A learner starts the course with nothing running in the prefix.
system("sh -c 'wineserver -k; wineserver -w' 2>/dev/null")
    if $run ne '';
shell_start();

my $k = 0;
for my $file (@ARGV ? @ARGV : sort glob 'lessons/[0-9]*.md') {
	my $nexercise = 0;
	for my $s (steps($file)) {
		if (defined $s->{diff}) {
			my $d = "$tmp/exercise." . $k++;
			open my $fh, '>', $d or die "$d: $!";
			print $fh $s->{diff};
			close $fh;
			$nexercise++;
			my $msg = `cd '$copy' && git apply '$d' 2>&1`;
			ok($? == 0, "$file: exercise $nexercise applies", split /\n/, $msg);
			next;
		}
		my $cmd = $s->{cmd};
		my $out = "$tmp/out." . $k++;
		my @want = map { $_ =~ /^\s*(?:\.\.\.|…)\s*$/ ? undef :
		    pattern($_, $s->{vary}) } @{$s->{want}};
		if ($cmd =~ /&\s*$/) {
			run_cmd($cmd, $out, 1);
			my $file_out = bg_file($cmd =~ s/\s*&\s*$//r);
			my (@lines, $bad);
			for (1 .. 1200) {	# 60 s, a guard against a hang
				@lines = slurp($out);
				$bad = mismatch(\@want, \@lines, 1);
				my $ready = !defined $file_out ||
				    `cd '$copy' && cat '$file_out' 2>/dev/null` =~ /\n/;
				last if $bad < 0 && $ready;
				sleep 0.05;
			}
			ok($bad < 0, "$file: $cmd",
			    $bad < 0 ? () : "missing: $s->{want}[$bad]",
			    map { "got: $_" } @lines[0 .. ($#lines < 9 ? $#lines : 9)]);
			next;
		}
		my $status = run_cmd($cmd, $out, 0);
		# Wine's start.exe could not start the program at all (README,
		# "Known limits"): the learner runs the command again.
		$status = run_cmd($cmd, $out, 0)
		    if $status != 0 && grep { /ShellExecuteEx failed/ } slurp($out);
		my @lines = slurp($out);
		my $bad = mismatch(\@want, \@lines, 0);
		ok($status == $s->{status} && $bad < 0, "$file: $cmd",
		    "exit $status, want $s->{status}",
		    ($bad < 0 ? () : $bad < @want ? "first line not matched: " .
		    ($s->{want}[$bad]) : "output goes on after the last line shown"),
		    map { "got: $_" } @lines);
	}
	# The lesson stopped what it started, and undid its exercises.
	my @left = still_running();
	ok(!@left, "$file: leaves nothing running", map { "running: $_" } @left);
	my @dirty = `cd '$copy' && git status --porcelain`;
	ok(!@dirty, "$file: leaves the sources as they were", @dirty);
}
close $shell;
system('rm', '-rf', $tmp) unless $ENV{LESSONS_KEEP};
print "1..$n\n";
exit($failed ? 1 : 0);
