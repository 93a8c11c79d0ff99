# SPDX-License-Identifier: GPL-2.0
# bash completion for appban(8): commands, each command's options, the two
# engines after --engine, *.policy files for POLICY, any file for check and
# for the key files of verify, keygen and sign.
# Install: copy to /usr/share/bash-completion/completions/appban, or source
# it from ~/.bashrc. Needs bash alone (not the bash-completion package).

# _appban_files GLOB: files matching GLOB (all files when empty) and
# directories, as COMPREPLY, with the trailing "/" of directories.
_appban_files()
{
	local cur=$1 glob=$2

	if [[ -n $glob ]]; then
		mapfile -t COMPREPLY < <(compgen -f -X "!$glob" -- "$cur"; compgen -d -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
	compopt -o filenames 2>/dev/null
}

# _appban_words WORDS CUR [PREFIX]: the words that start with CUR, as
# COMPREPLY, each with PREFIX in front.
_appban_words()
{
	mapfile -t COMPREPLY < <(compgen -P "${3:-}" -W "$1" -- "$2")
}

_appban()
{
	local cur prev cmd="" i w operands=0 opts=""
	local commands="load unload status run check verify keygen sign daemon events"
	local global="--help --version --verbose"

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=""
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The command: the first word that is not a global option (--verbose).
	# Then count the operands already given: words not starting with "-",
	# the values of --engine and --config aside.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -z $cmd ]]; then
			[[ $w == -* ]] || cmd=$w
			continue
		fi
		if [[ $w == --engine || $w == --config ]]; then
			# its value: the next word, or "=" and the one after it
			# ("=" breaks words in COMP_WORDS)
			[[ ${COMP_WORDS[i + 1]-} == = ]] && ((i++))
			((i++))
			continue
		fi
		[[ $w == -* ]] || ((operands++))
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_appban_words "$global -h -v" "$cur"
		else
			_appban_words "$commands" "$cur"
		fi
		return 0
	fi

	# --engine lsm|fallback, also written --engine=lsm: bash gives that as
	# the words "--engine", "=" and "lsm" (or as one word, where "=" is not
	# in COMP_WORDBREAKS).
	if [[ $prev == --engine && $cur == = ]]; then
		cur=""
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)) &&
		[[ ${COMP_WORDS[COMP_CWORD - 2]} == --engine ]]; then
		prev=--engine
	fi
	if [[ $prev == --engine ]]; then
		case $cmd in
		load | run) _appban_words "lsm fallback" "$cur" ;;
		esac
		return 0
	fi
	if [[ $cur == --engine=* ]]; then
		case $cmd in
		load | run) _appban_words "lsm fallback" "${cur#--engine=}" "--engine=" ;;
		esac
		return 0
	fi

	# the key file after --key/-k (verify: a *.pub; sign: the secret key)
	# and after -o/--output (keygen)
	case $cmd:$prev in
	verify:--key)
		_appban_files "$cur" "*.pub"
		return 0
		;;
	sign:--key | sign:-k | keygen:-o | keygen:--output)
		_appban_files "$cur" ""
		return 0
		;;
	daemon:--config | load:--config | run:--config | verify:--config)
		_appban_files "$cur" "*.conf"
		return 0
		;;
	esac

	case $cmd in
	load) opts="--monitor --no-kill --engine --unsigned --config --help" ;;
	run) opts="--json --keep --monitor --no-kill --engine --unsigned --config --help" ;;
	status) opts="--json --help" ;;
	check) opts="--json --help" ;;
	unload) opts="--help" ;;
	verify) opts="--key --config --help" ;;
	keygen) opts="--output --force --help" ;;
	sign) opts="--key --help" ;;
	daemon) opts="--config --text --help" ;;
	events) opts="--json --help" ;;
	*) return 0 ;;
	esac

	if [[ $cur == -* ]]; then
		_appban_words "$opts -h" "$cur"
		return 0
	fi

	case $cmd in
	load | run)
		# one POLICY
		((operands == 0)) && _appban_files "$cur" "*.policy"
		;;
	check)
		_appban_files "$cur" ""
		;;
	verify | sign)
		# any number of POLICY
		_appban_files "$cur" "*.policy"
		;;
	esac
	return 0
}

complete -F _appban appban
