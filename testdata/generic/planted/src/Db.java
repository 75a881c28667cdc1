class Db {
  void open() {
    ds.setPassword("N4SjEDsemnZCkm%0");
  }
}
