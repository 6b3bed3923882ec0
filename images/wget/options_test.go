package main

import (
	"reflect"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	post := "a=b"
	tests := []struct {
		args []string
		want Options
		err  string
	}{
		{args: []string{"-T", "5", "-O", "-", "http://h/"},
			want: Options{Timeout: 5 * time.Second, Output: "-", URLs: []string{"http://h/"}}},
		{args: []string{"-qO-", "-T5", "h:8080/x"},
			want: Options{Quiet: true, Timeout: 5 * time.Second, Output: "-", URLs: []string{"h:8080/x"}}},
		{args: []string{"--timeout=3", "--spider", "-S", "u"},
			want: Options{Timeout: 3 * time.Second, Spider: true, ServerResponse: true, URLs: []string{"u"}}},
		{args: []string{"u", "--header", "X-A: 1", "--header=X-B: 2", "--post-data", "a=b", "-U", "agent", "-Y", "off", "-P", "/tmp", "-c", "--no-check-certificate"},
			want: Options{Timeout: DefaultTimeout, Headers: []string{"X-A: 1", "X-B: 2"}, PostData: &post, UserAgent: "agent",
				NoProxy: true, Dir: "/tmp", Continue: true, Insecure: true, URLs: []string{"u"}}},
		{args: []string{"-t", "3", "-o", "log", "--", "-u"},
			want: Options{Timeout: DefaultTimeout, LogFile: "log", URLs: []string{"-u"}}},
		{args: []string{"-T", "x", "u"}, err: "invalid number 'x'"},
		{args: []string{"-T"}, err: "option requires an argument -- 'T'"},
		{args: []string{"-z", "u"}, err: "invalid option -- 'z'"},
		{args: []string{"--bogus", "u"}, err: "unrecognized option '--bogus'"},
		{args: []string{"-q"}, err: "no URL given"},
	}
	for _, tt := range tests {
		got, err := ParseArgs(tt.args)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseArgs(%q) error = %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseArgs(%q): %v", tt.args, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseArgs(%q)\n got %+v\nwant %+v", tt.args, got, tt.want)
		}
	}
}
