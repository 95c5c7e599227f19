# Drives zsh's completion system in a real interactive zsh on a pseudo-terminal (zpty): loads
# compinit and the script `runner completions zsh` wrote (argument 1), then for each further
# argument types it, presses Tab, and prints `LINE => BUFFER`, the line as completion left it.
zmodload zsh/zpty
script=$1
shift
zpty z zsh -f -i
zpty -w z 'autoload -Uz compinit && compinit -u -D'
zpty -w z "source ${(q)script}"
zpty -w z 'show() { print -r -- "$BUFFER" >> .buffers }; zle -N show; bindkey "^T" show'
zpty -w z 'touch .ready'
for i in {1..100}; do [[ -e .ready ]] && break; sleep 0.1; done
for line in "$@"; do
  zpty -n -w z "$line"$'\t'
  sleep 1
  zpty -n -w z $'\C-t'
  for i in {1..50}; do [[ -e .buffers ]] && break; sleep 0.1; done
  sleep 0.2
  print -r -- "$line => $(<.buffers)"
  rm -f .buffers
  zpty -n -w z $'\C-u'
  sleep 0.2
done
zpty -d z
