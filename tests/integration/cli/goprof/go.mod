module cliprof

go 1.19
