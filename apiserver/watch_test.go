package apiserver

import (
	"testing"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
	"minik8s/pkg/fields"
	"minik8s/pkg/labels"
)

func TestTranslateEvent(t *testing.T) {
	info, _ := api.ForResource("", "v1", "pods")
	web := []byte(`{"metadata":{"name":"p","labels":{"app":"web"}}}`)
	db := []byte(`{"metadata":{"name":"p","labels":{"app":"db"}}}`)
	sel, _ := labels.Parse("app=web")
	s := selectors{label: sel, field: fields.Everything()}
	tests := []struct {
		name      string
		ev        storage.Event
		wantType  string // "" for no event
		wantLabel string
	}{
		{"create matching", storage.Event{Type: storage.EventPut, Value: web, IsCreate: true}, api.Added, "web"},
		{"create not matching", storage.Event{Type: storage.EventPut, Value: db, IsCreate: true}, "", ""},
		{"starts matching", storage.Event{Type: storage.EventPut, Value: web, Prev: db}, api.Added, "web"},
		{"stops matching: the previous object", storage.Event{Type: storage.EventPut, Value: db, Prev: web}, api.Deleted, "web"},
		{"still matching", storage.Event{Type: storage.EventPut, Value: web, Prev: web}, api.Modified, "web"},
		{"never matching", storage.Event{Type: storage.EventPut, Value: db, Prev: db}, "", ""},
		{"deleted matching", storage.Event{Type: storage.EventDelete, Prev: web}, api.Deleted, "web"},
		{"deleted not matching", storage.Event{Type: storage.EventDelete, Prev: db}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ev.Revision = 42
			we, ok, err := translateEvent(info, tt.ev, s)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				if tt.wantType != "" {
					t.Fatalf("no event, want %s", tt.wantType)
				}
				return
			}
			m := we.Object.GetObjectMeta()
			if we.Type != tt.wantType || m.Labels["app"] != tt.wantLabel || m.ResourceVersion != "42" {
				t.Errorf("got %s app=%s rv %s, want %s app=%s rv 42", we.Type, m.Labels["app"], m.ResourceVersion, tt.wantType, tt.wantLabel)
			}
		})
	}
}
