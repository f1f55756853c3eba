module github.com/facecluster/facecluster/bench

go 1.26.0

replace github.com/facecluster/facecluster => ../

require (
	github.com/facecluster/facecluster v0.0.0-00010101000000-000000000000
	gonum.org/v1/gonum v0.17.0
)

require (
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	go.etcd.io/bbolt v1.4.3 // indirect
	golang.org/x/image v0.48.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
