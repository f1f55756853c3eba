module github.com/facecluster/facecluster

go 1.26
