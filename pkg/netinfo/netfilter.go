package netinfo

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Tables are the parsed netfilter tables of an iptables-save (with or
// without -c counters) or an iptables-restore payload.
type Tables map[string]*Table

// Table is one table's chains.
type Table struct {
	Name   string
	Chains map[string]*Chain
}

// Chain is one chain: a built-in one has a policy.
type Chain struct {
	Name   string
	Policy string // ACCEPT/DROP for built-in chains, "" for user chains
	Rules  []*Rule
}

// Rule is one -A line.
type Rule struct {
	Chain   string
	Index   int    // 1-based position in its chain (iptables -L --line-numbers)
	Text    string // the line without its counters: "-A CHAIN ..."
	Packets uint64
	Bytes   uint64
	Target  string // the -j (or -g) target, "" for none
	Goto    bool
	// Share is the fraction of new connections a kube-proxy endpoint rule
	// (a jump to KUBE-SEP-…) gets: its statistic probability times what
	// the rules before it left (0 for affinity `recent` rules).
	Share float64
	opts  []opt
}

type opt struct {
	neg  bool
	name string
	vals []string
}

// Comment is the rule's -m comment text.
func (r *Rule) Comment() string { return r.arg("--comment") }

// arg is the first value of option name ("" if absent).
func (r *Rule) arg(name string) string {
	for _, o := range r.opts {
		if o.name == name && len(o.vals) > 0 {
			return o.vals[0]
		}
	}
	return ""
}

func (r *Rule) has(name string) bool {
	for _, o := range r.opts {
		if o.name == name {
			return true
		}
	}
	return false
}

// ParseSave parses iptables-save output (optionally with -c counters) or a
// restore payload. Tables that appear twice are merged.
func ParseSave(text string) (Tables, error) {
	ts := Tables{}
	var cur *Table
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "*"):
			name := l[1:]
			if ts[name] == nil {
				ts[name] = &Table{Name: name, Chains: map[string]*Chain{}}
			}
			cur = ts[name]
		case l == "COMMIT":
			cur = nil
		case strings.HasPrefix(l, ":"):
			if cur == nil {
				return nil, fmt.Errorf("line %d: chain %q outside a table", line, l)
			}
			f := strings.Fields(l[1:])
			c := cur.chain(f[0])
			if len(f) > 1 && f[1] != "-" {
				c.Policy = f[1]
			}
		default:
			if cur == nil {
				return nil, fmt.Errorf("line %d: rule outside a table: %q", line, l)
			}
			r, err := parseRule(l)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			c := cur.chain(r.Chain)
			r.Index = len(c.Rules) + 1
			c.Rules = append(c.Rules, r)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	for _, t := range ts {
		for _, c := range t.Chains {
			shares(c)
		}
	}
	return ts, nil
}

func (t *Table) chain(name string) *Chain {
	c := t.Chains[name]
	if c == nil {
		c = &Chain{Name: name}
		t.Chains[name] = c
	}
	return c
}

// shares computes each endpoint jump's fraction of new connections: the
// kube-proxy writes probability 1/(n-i) on rule i of n, so each gets 1/n.
func shares(c *Chain) {
	left := 1.0
	for _, r := range c.Rules {
		if !strings.HasPrefix(r.Target, "KUBE-SEP-") || r.has("--rcheck") {
			continue
		}
		p := 1.0
		if s := r.arg("--probability"); s != "" {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				p = v
			}
		}
		r.Share = left * p
		left -= r.Share
	}
}

// parseRule parses "[p:b] -A CHAIN opts...".
func parseRule(l string) (*Rule, error) {
	r := &Rule{}
	if strings.HasPrefix(l, "[") {
		end := strings.Index(l, "]")
		if end < 0 {
			return nil, fmt.Errorf("bad counters in %q", l)
		}
		if _, err := fmt.Sscanf(l[1:end], "%d:%d", &r.Packets, &r.Bytes); err != nil {
			return nil, fmt.Errorf("bad counters in %q: %w", l, err)
		}
		l = strings.TrimSpace(l[end+1:])
	}
	r.Text = l
	toks, err := tokenize(l)
	if err != nil {
		return nil, err
	}
	if len(toks) < 2 || toks[0] != "-A" {
		return nil, fmt.Errorf("not an -A rule: %q", l)
	}
	r.Chain = toks[1]
	neg := false
	for i := 2; i < len(toks); i++ {
		t := toks[i]
		if t == "!" {
			neg = true
			continue
		}
		if !strings.HasPrefix(t, "-") {
			return nil, fmt.Errorf("unexpected %q in %q", t, l)
		}
		o := opt{neg: neg, name: canonicalOpt(t)}
		neg = false
		for i+1 < len(toks) && toks[i+1] != "!" && !(strings.HasPrefix(toks[i+1], "-") && len(toks[i+1]) > 1 && !isNumber(toks[i+1])) {
			i++
			o.vals = append(o.vals, toks[i])
		}
		if o.name == "-j" || o.name == "-g" {
			if len(o.vals) == 0 {
				return nil, fmt.Errorf("%s without a target in %q", o.name, l)
			}
			r.Target, r.Goto = o.vals[0], o.name == "-g"
		}
		r.opts = append(r.opts, o)
	}
	return r, nil
}

func isNumber(s string) bool { _, err := strconv.Atoi(s); return err == nil }

func canonicalOpt(t string) string {
	switch t {
	case "--source", "--src":
		return "-s"
	case "--destination", "--dst":
		return "-d"
	case "--protocol":
		return "-p"
	case "--in-interface":
		return "-i"
	case "--out-interface":
		return "-o"
	case "--jump":
		return "-j"
	case "--goto":
		return "-g"
	case "--match":
		return "-m"
	case "--destination-port":
		return "--dport"
	case "--source-port":
		return "--sport"
	}
	return t
}

// tokenize splits a rule like a shell: "double quoted" words keep spaces
// (iptables-save quotes comments and escapes \" inside them).
func tokenize(s string) ([]string, error) {
	var out []string
	var b strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			quoted = !quoted
			in = true
		case !quoted && (c == ' ' || c == '\t'):
			if in {
				out = append(out, b.String())
				b.Reset()
				in = false
			}
		default:
			b.WriteByte(c)
			in = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if in {
		out = append(out, b.String())
	}
	return out, nil
}

// Packet is what the walk follows: the first packet of a connection
// (conntrack state NEW).
type Packet struct {
	Src, Dst     string // IPv4 addresses
	Proto        string // tcp or udp
	SPort, DPort int
	In, Out      string // interfaces ("" when not known at that hook)
	// Local are the node's own addresses (addrtype LOCAL); 127.0.0.0/8
	// is always local.
	Local []string
	Mark  uint32
	// Prefer picks, at a kube-proxy endpoint choice (statistic random),
	// the endpoint "ip:port" (or "ip") to follow; "" follows the first.
	Prefer string
	// Recent are the `recent` lists the source is on (affinity already
	// established); nil: none.
	Recent map[string]bool
}

// Step is one rule that matched.
type Step struct {
	Table   string  `json:"table"`
	Chain   string  `json:"chain"`
	Index   int     `json:"index"` // the rule's 1-based position; 0: the chain's policy
	Rule    string  `json:"rule"`
	Target  string  `json:"target,omitempty"`
	Packets uint64  `json:"packets"`
	Bytes   uint64  `json:"bytes"`
	Share   float64 `json:"share,omitempty"` // an endpoint's share of new connections
	// Endpoints lists, at a KUBE-SVC/KUBE-SVL chain, every endpoint the
	// chain can pick (the step's rule is the one followed).
	Endpoints []Endpoint `json:"endpoints,omitempty"`
	Note      string     `json:"note,omitempty"`
}

// Endpoint is one kube-proxy endpoint choice.
type Endpoint struct {
	Chain    string  `json:"chain"` // KUBE-SEP-…
	Address  string  `json:"address"`
	Share    float64 `json:"share"`
	Affinity bool    `json:"affinity,omitempty"` // a `recent` (ClientIP affinity) rule
	Index    int     `json:"index"`
	Packets  uint64  `json:"packets"`
}

// Walk is what one hook did to the packet.
type Walk struct {
	Table   string `json:"table"`
	Chain   string `json:"chain"`
	Steps   []Step `json:"steps"`
	Verdict string `json:"verdict"` // ACCEPT, DROP, REJECT (or the chain's policy)
	// DNAT is the new destination "ip:port" (nat table).
	DNAT string `json:"dnat,omitempty"`
	// Masquerade: the packet's source is rewritten (MASQUERADE/SNAT).
	Masquerade bool   `json:"masquerade,omitempty"`
	Mark       uint32 `json:"mark,omitempty"`
	// Notes name the rules with a match the walk does not understand:
	// they were taken as not matching.
	Notes []string `json:"notes,omitempty"`
}

const maxWalkDepth = 32

// Walk follows p through table's built-in chain hook (PREROUTING,
// OUTPUT, FORWARD, POSTROUTING, INPUT) as the kernel would for the
// first packet of a connection, and returns the rules that matched. p's
// Mark is updated by MARK targets; p itself is not changed.
func (ts Tables) Walk(table, hook string, p Packet) (Walk, error) {
	w := Walk{Table: table, Chain: hook, Steps: []Step{}}
	t := ts[table]
	if t == nil {
		return w, fmt.Errorf("no %s table", table)
	}
	if _, ok := t.Chains[hook]; !ok {
		w.Verdict = "ACCEPT"
		return w, nil
	}
	wk := walker{t: t, p: p, w: &w}
	v, done, err := wk.chain(hook, 0)
	if err != nil {
		return w, err
	}
	if !done {
		v = "ACCEPT"
	}
	w.Verdict = v
	w.Mark = wk.p.Mark
	return w, nil
}

type walker struct {
	t *Table
	p Packet
	w *Walk
}

func (wk *walker) chain(name string, depth int) (string, bool, error) {
	if depth > maxWalkDepth {
		return "", false, fmt.Errorf("chain %s: jumps nested deeper than %d", name, maxWalkDepth)
	}
	c := wk.t.Chains[name]
	if c == nil {
		return "", false, fmt.Errorf("%s table: no chain %s", wk.t.Name, name)
	}
	chosen := wk.choose(c)
	for _, r := range c.Rules {
		ok, err := wk.match(r, chosen)
		if err != nil {
			return "", false, err
		}
		if !ok {
			continue
		}
		st := Step{Table: wk.t.Name, Chain: c.Name, Index: r.Index, Rule: r.Text, Target: r.Target, Packets: r.Packets, Bytes: r.Bytes, Share: r.Share}
		if strings.HasPrefix(r.Target, "KUBE-SEP-") {
			st.Endpoints = wk.endpoints(c)
		}
		wk.w.Steps = append(wk.w.Steps, st)
		switch r.Target {
		case "":
		case "ACCEPT", "DROP", "REJECT":
			return r.Target, true, nil
		case "RETURN":
			return "", false, nil
		case "DNAT":
			to := r.arg("--to-destination")
			wk.w.DNAT = to
			if h, port, err := net.SplitHostPort(to); err == nil {
				wk.p.Dst = h
				wk.p.DPort, _ = strconv.Atoi(port)
			} else {
				wk.p.Dst = to
			}
			return "ACCEPT", true, nil
		case "MASQUERADE", "SNAT":
			wk.w.Masquerade = true
			return "ACCEPT", true, nil
		case "MARK":
			wk.p.Mark = applyMark(wk.p.Mark, r)
		case "LOG", "CONNMARK", "NOTRACK", "CT", "TRACE":
		default:
			v, done, err := wk.chain(r.Target, depth+1)
			if err != nil || done {
				return v, done, err
			}
			if r.Goto {
				return "", false, nil
			}
		}
	}
	if c.Policy != "" {
		wk.w.Steps = append(wk.w.Steps, Step{Table: wk.t.Name, Chain: c.Name, Rule: "policy " + c.Policy, Target: c.Policy})
		return c.Policy, true, nil
	}
	return "", false, nil
}

// choose picks, in a chain of kube-proxy endpoint jumps, the rule the
// walk follows: an affinity rule whose list the source is on, else the
// endpoint Prefer names, else the first.
func (wk *walker) choose(c *Chain) *Rule {
	var first *Rule
	for _, r := range c.Rules {
		if !strings.HasPrefix(r.Target, "KUBE-SEP-") {
			continue
		}
		if r.has("--rcheck") {
			if wk.p.Recent[r.arg("--name")] {
				return r
			}
			continue
		}
		if first == nil {
			first = r
		}
		if wk.p.Prefer != "" && endpointMatches(wk.dnatOf(r.Target), wk.p.Prefer) {
			return r
		}
	}
	return first
}

func endpointMatches(addr, prefer string) bool {
	if addr == prefer {
		return true
	}
	h, _, err := net.SplitHostPort(addr)
	return err == nil && h == prefer
}

// dnatOf is the --to-destination of a KUBE-SEP chain.
func (wk *walker) dnatOf(chain string) string {
	if c := wk.t.Chains[chain]; c != nil {
		for _, r := range c.Rules {
			if r.Target == "DNAT" {
				return r.arg("--to-destination")
			}
		}
	}
	return ""
}

// endpoints lists a service chain's endpoint choices.
func (wk *walker) endpoints(c *Chain) []Endpoint {
	var out []Endpoint
	for _, r := range c.Rules {
		if !strings.HasPrefix(r.Target, "KUBE-SEP-") {
			continue
		}
		out = append(out, Endpoint{Chain: r.Target, Address: wk.dnatOf(r.Target), Share: r.Share, Affinity: r.has("--rcheck"), Index: r.Index, Packets: r.Packets})
	}
	return out
}

func (wk *walker) match(r *Rule, chosen *Rule) (bool, error) {
	p := &wk.p
	for _, o := range r.opts {
		ok := true
		v := ""
		if len(o.vals) > 0 {
			v = o.vals[0]
		}
		switch o.name {
		case "-j", "-g", "-m", "--comment", "--to-destination", "--to-source", "--to-ports", "--random-fully", "--random",
			"--set-xmark", "--set-mark", "--or-mark", "--xor-mark", "--and-mark", "--reject-with", "--mode", "--probability",
			"--every", "--packet", "--seconds", "--reap", "--set", "--rsource", "--mask", "--name", "--log-prefix", "--log-level":
			continue
		case "-s":
			ok = inCIDR(p.Src, v)
		case "-d":
			ok = inCIDR(p.Dst, v)
		case "-p":
			ok = v == "all" || strings.EqualFold(v, p.Proto)
		case "--dport":
			ok = portIn(p.DPort, v)
		case "--sport":
			ok = portIn(p.SPort, v)
		case "--dports":
			ok = false
			for _, s := range strings.Split(v, ",") {
				ok = ok || portIn(p.DPort, s)
			}
		case "-i":
			ok = ifaceMatch(p.In, v)
		case "-o":
			ok = ifaceMatch(p.Out, v)
		case "--dst-type":
			ok = addrType(p.Dst, v, p.Local)
		case "--src-type":
			ok = addrType(p.Src, v, p.Local)
		case "--mark":
			val, mask, err := parseMark(v)
			if err != nil {
				return false, fmt.Errorf("%q: %w", r.Text, err)
			}
			ok = p.Mark&mask == val
		case "--ctstate", "--state":
			ok = false
			for _, s := range strings.Split(v, ",") {
				ok = ok || s == "NEW"
			}
		case "--rcheck", "--update":
			ok = p.Recent[r.arg("--name")]
		default:
			wk.w.Notes = append(wk.w.Notes, fmt.Sprintf("%s rule %d: %s is not understood by the trace; taken as not matching", r.Chain, r.Index, o.name))
			return false, nil
		}
		if o.neg {
			ok = !ok
		}
		if !ok {
			return false, nil
		}
	}
	// A random endpoint choice matches only on the rule chosen.
	if strings.HasPrefix(r.Target, "KUBE-SEP-") && !r.has("--rcheck") && chosen != nil {
		return r == chosen, nil
	}
	return true, nil
}

func inCIDR(ip, cidr string) bool {
	a := net.ParseIP(ip)
	if a == nil {
		return false
	}
	if !strings.Contains(cidr, "/") {
		return a.Equal(net.ParseIP(cidr))
	}
	_, n, err := net.ParseCIDR(cidr)
	return err == nil && n.Contains(a)
}

func portIn(port int, spec string) bool {
	lo, hi, found := strings.Cut(spec, ":")
	l, err := strconv.Atoi(lo)
	if err != nil {
		return false
	}
	if !found {
		return port == l
	}
	h, err := strconv.Atoi(hi)
	return err == nil && port >= l && port <= h
}

func ifaceMatch(iface, pat string) bool {
	if strings.HasSuffix(pat, "+") {
		return strings.HasPrefix(iface, strings.TrimSuffix(pat, "+"))
	}
	return iface == pat
}

func addrType(ip, typ string, local []string) bool {
	switch typ {
	case "LOCAL":
		if inCIDR(ip, "127.0.0.0/8") {
			return true
		}
		for _, l := range local {
			if l == ip {
				return true
			}
		}
		return false
	}
	return false
}

func parseMark(s string) (val, mask uint32, err error) {
	v, m, found := strings.Cut(s, "/")
	val64, err := strconv.ParseUint(v, 0, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("mark %q: %w", s, err)
	}
	mask64 := uint64(0xffffffff)
	if found {
		if mask64, err = strconv.ParseUint(m, 0, 32); err != nil {
			return 0, 0, fmt.Errorf("mark %q: %w", s, err)
		}
	}
	return uint32(val64), uint32(mask64), nil
}

func applyMark(mark uint32, r *Rule) uint32 {
	if s := r.arg("--set-xmark"); s != "" {
		v, m, _ := parseMark(s)
		return (mark &^ m) ^ v
	}
	if s := r.arg("--set-mark"); s != "" {
		v, m, _ := parseMark(s)
		return (mark &^ m) | v
	}
	if s := r.arg("--or-mark"); s != "" {
		v, _, _ := parseMark(s)
		return mark | v
	}
	if s := r.arg("--xor-mark"); s != "" {
		v, _, _ := parseMark(s)
		return mark ^ v
	}
	if s := r.arg("--and-mark"); s != "" {
		v, _, _ := parseMark(s)
		return mark & v
	}
	return mark
}
