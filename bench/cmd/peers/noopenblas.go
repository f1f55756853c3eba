//go:build !openblas

package main

const openblasAvailable = false

func openblasSgemm(m, n, k int, a, b, c []float32) {}

func openblasSetThreads(int) {}

func openblasInfo() string { return "not linked (build with -tags openblas)" }
