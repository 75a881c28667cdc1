const signingKey =
  "-----BEGIN RSA PRIVATE KEY-----\n" +
  "Ml4DUJEbsrAH+glv6k0f+W0pLSX/ytxZobN/zYeg98LE8K3HrNOGpfT/GuhlbW3t\n" +
  "AY7z2nWSak4UtewdWdLEEvzAtb1ofsbXLCA+jf+w3yBBVQ4RMbGmO5kr9cSYKTXO\n" +
  "UXm6qvtvPRm2vMLUuFekM1RpH8WvMtEFIOjwuLit6aZHkjtaWjWprX3wwNvz5BX3\n" +
  "XZEA3Vp/ERVTmZhnr0suulCaa+GkydYjGPfX2L9KAU+89S+4SwXmNf2LkEOpipC8\n" +
  "wgZmRK4BVWUyPXkBQdEkIs7Og7f4veJD4/Z7C+KKAvjyCx0N558viBbOH2BOMPJp\n" +
  "bdQPf/darjgqojwiwObv0N/4HdCMO5RQ7+LQyOQXfUQyYUhkZXzXql9H47qhD/iF\n" +
  "5XbM/+nlFC0IZ7YQw6X4HjM5rwcoRw7aJsr8/8GU==\n" +
  "-----END RSA PRIVATE KEY-----\n";
