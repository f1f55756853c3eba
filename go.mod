module github.com/facecluster/facecluster

go 1.26.0

require (
	github.com/klauspost/cpuid/v2 v2.4.2
	go.etcd.io/bbolt v1.4.3
	golang.org/x/image v0.48.0
	gonum.org/v1/gonum v0.17.0
)

require golang.org/x/sys v0.50.0 // indirect
