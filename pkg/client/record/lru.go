package record

import "container/list"

// lru is a bounded map that forgets the least recently used key.
type lru[V any] struct {
	max   int
	order *list.List // front = most recent; values are keys
	items map[string]*list.Element
	vals  map[string]V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), items: map[string]*list.Element{}, vals: map[string]V{}}
}

func (c *lru[V]) get(key string) (V, bool) {
	e, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return c.vals[key], true
}

func (c *lru[V]) add(key string, v V) {
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		c.vals[key] = v
		return
	}
	c.items[key] = c.order.PushFront(key)
	c.vals[key] = v
	for c.order.Len() > c.max {
		old := c.order.Back()
		k := old.Value.(string)
		c.order.Remove(old)
		delete(c.items, k)
		delete(c.vals, k)
	}
}

func (c *lru[V]) len() int { return c.order.Len() }
