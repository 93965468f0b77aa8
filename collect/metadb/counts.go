package metadb

import bolt "go.etcd.io/bbolt"

// countNamespaces walks containerd's v1/<namespace>/... layout: one bucket
// per object under containers, images, leases, sandboxes, content/blob,
// content/ingests and snapshots/<snapshotter>.
func countNamespaces(v1 *bolt.Bucket, into map[string]*NSCounts) {
	_ = v1.ForEach(func(ns, v []byte) error {
		nb := v1.Bucket(ns)
		if v != nil || nb == nil {
			return nil
		}
		n := &NSCounts{Snapshots: map[string]int{}}
		n.Containers = subBuckets(nb.Bucket([]byte("containers")))
		n.Images = subBuckets(nb.Bucket([]byte("images")))
		n.Leases = subBuckets(nb.Bucket([]byte("leases")))
		n.Sandboxes = subBuckets(nb.Bucket([]byte("sandboxes")))
		if cb := nb.Bucket([]byte("content")); cb != nil {
			n.Content = subBuckets(cb.Bucket([]byte("blob")))
			n.Ingests = subBuckets(cb.Bucket([]byte("ingests")))
		}
		if sb := nb.Bucket([]byte("snapshots")); sb != nil {
			_ = sb.ForEach(func(name, v []byte) error {
				if v == nil {
					n.Snapshots[string(name)] = subBuckets(sb.Bucket(name))
				}
				return nil
			})
		}
		into[string(ns)] = n
		return nil
	})
}

// subBuckets counts the nested buckets of b (containerd stores each object
// as a bucket named by its id).
func subBuckets(b *bolt.Bucket) int {
	if b == nil {
		return 0
	}
	n := 0
	_ = b.ForEach(func(k, v []byte) error {
		if v == nil {
			n++
		}
		return nil
	})
	return n
}
