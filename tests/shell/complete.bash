# Drives bash's programmable completion as a shell does at Tab: loads the script
# `runner completions bash` wrote (argument 1), then for each further argument (a command line
# ending where the cursor is) prints `LINE => CANDIDATES`, one line each.
source "$1"
shift
for line in "$@"; do
  read -r -a COMP_WORDS <<< "$line"
  [[ $line == *' ' ]] && COMP_WORDS+=("")
  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
  COMP_LINE=$line
  COMP_POINT=${#line}
  COMP_TYPE=9
  COMPREPLY=()
  _clap_complete_runner runner "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  echo "$line => ${COMPREPLY[*]}"
done
